package dev.gantry.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.compute.ComputeProvider.CreateServer;
import dev.gantry.shared.compute.ComputeProvider.Server;
import dev.gantry.shared.compute.ProviderException.Kind;
import dev.gantry.shared.testing.FakeCloud;
import dev.gantry.shared.testing.FakeHetzner;
import dev.gantry.shared.testing.LogCapture;
import dev.gantry.shared.testing.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The Hetzner Cloud driver against a fake that answers as Hetzner documents, with failures injected. */
class HetznerCloudTest {
    static final String TOKEN = "hz-Q7f3kP0a9XbL2mN4vR8sT1uW6yZ5cE0dG3hJ7kL9";
    static final CreateServer SPEC = new CreateServer("gantry-env-1", "fsn1", "cx22", "ubuntu-24.04",
            Map.of("gantry-env", "env_123", "managed-by", "gantry"));

    FakeHetzner fake;
    MovableClock clock;
    List<Duration> sleeps;
    HetznerCloud hetzner;

    @BeforeEach
    void start() {
        clock = new MovableClock();
        clock.now = Instant.parse("2025-03-01T12:00:00Z");
        fake = FakeHetzner.start().validToken(TOKEN);
        fake.clock(clock);
        sleeps = new ArrayList<>();
        Retry retry = Retry.defaults().withSleeper(sleeps::add).withRandom(new Random(7));
        hetzner = new HetznerCloud(fake.baseUrl(), retry, clock, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void verifyListsLocationsWithTheTokenAsBearerAndPrefersFsn1() {
        ComputeProvider.Account account = hetzner.verify(TOKEN);

        assertThat(account.defaultRegion()).isEqualTo("fsn1");
        assertThat(account.regions()).containsExactly("fsn1", "nbg1", "hel1", "ash", "hil", "sin");
        FakeCloud.Recorded r = fake.requests().getFirst();
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.path()).as("the base URL's path prefix is kept").isEqualTo("/v1/locations");
        assertThat(r.headers()).containsEntry("authorization", "Bearer " + TOKEN);
    }

    @Test
    void withoutFsn1TheFirstLocationIsTheDefault() {
        fake.locations("hel1", "nbg1");
        assertThat(hetzner.verify(TOKEN).defaultRegion()).isEqualTo("hel1");
    }

    @Test
    void aRefusedTokenIsInvalidTokenAtOnce() {
        ProviderException e = catchThrowableOfType(ProviderException.class, () -> hetzner.verify("hz-wrong-token-0123456789abcdef"));

        assertThat(e.kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(e.status()).isEqualTo(401);
        assertThat(fake.requests()).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void createSendsHetznersFieldsAndReadsTheServer() throws Exception {
        Server s = hetzner.create(TOKEN, SPEC);

        assertThat(s.id()).matches("[0-9]+");
        assertThat(s.status()).isEqualTo(ComputeProvider.PROVISIONING); // "initializing"
        assertThat(s.ipv4()).startsWith("5.75.");
        assertThat(s.region()).isEqualTo("fsn1");
        assertThat(s.instanceType()).isEqualTo("cx22");
        JsonNode body = new ObjectMapper().readTree(fake.requests().getFirst().body());
        assertThat(body.get("name").asText()).isEqualTo("gantry-env-1");
        assertThat(body.get("server_type").asText()).isEqualTo("cx22");
        assertThat(body.get("location").asText()).isEqualTo("fsn1");
        assertThat(body.get("image").asText()).isEqualTo("ubuntu-24.04");
        assertThat(body.get("labels").get("gantry-env").asText()).isEqualTo("env_123");
        assertThat(fake.servers().get(Long.parseLong(s.id())).labels()).containsEntry("managed-by", "gantry");
    }

    @Test
    void getFollowsTheServerAndAnUnknownOneIsEmpty() {
        Server created = hetzner.create(TOKEN, SPEC);
        fake.markRunning(Long.parseLong(created.id()));

        Optional<Server> s = hetzner.get(TOKEN, created.id());
        assertThat(s).get().extracting(Server::status).isEqualTo(ComputeProvider.RUNNING);
        assertThat(s.get().ipv4()).isEqualTo(created.ipv4());
        fake.setStatus(Long.parseLong(created.id()), "stopping");
        assertThat(hetzner.get(TOKEN, created.id()).orElseThrow().status()).isEqualTo(ComputeProvider.OFF);
        assertThat(hetzner.get(TOKEN, "99999999")).isEmpty();
    }

    @Test
    void deleteIsIdempotent() {
        Server created = hetzner.create(TOKEN, SPEC);

        hetzner.delete(TOKEN, created.id());
        hetzner.delete(TOKEN, created.id()); // 404 now: already deleted
        hetzner.delete(TOKEN, "12345678");

        assertThat(fake.deleted()).containsExactly(Long.parseLong(created.id()));
        assertThat(hetzner.get(TOKEN, created.id())).isEmpty();
        assertThat(sleeps).isEmpty();
    }

    @Test
    void twoServerErrorsThenSuccessAfterTwoJitteredSleeps() {
        fake.failNext("/v1/locations", 500, 2);

        assertThat(hetzner.verify(TOKEN).defaultRegion()).isEqualTo("fsn1");

        assertThat(fake.requests()).hasSize(3);
        assertThat(sleeps).hasSize(2);
        assertThat(sleeps.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(200));
        assertThat(sleeps.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(400));
    }

    @Test
    void aRateLimitIsWaitedOutForAsLongAsHetznerAsks() {
        Server created = hetzner.create(TOKEN, SPEC);
        fake.rateLimitNext("/v1/servers", 3, 1);

        assertThat(hetzner.get(TOKEN, created.id())).isPresent();

        // RateLimit-Reset is when the bucket is full (limit × 3 s away); one request frees up after 3 s.
        assertThat(sleeps).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void createIsRetriedOn429ButNotOn5xx() {
        fake.rateLimitNext("/v1/servers", 1, 1);
        hetzner.create(TOKEN, SPEC);
        assertThat(fake.servers()).hasSize(1);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1));

        fake.failNext("/v1/servers", 503, 1);
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> hetzner.create(TOKEN, new CreateServer("gantry-env-2", "fsn1", "cx22", "ubuntu-24.04", Map.of())));
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(fake.requests().stream().filter(r -> r.method().equals("POST"))).hasSize(3);
    }

    @Test
    void aProviderThatStaysDownIsUnavailableAfterMaxAttempts() {
        fake.down();

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> hetzner.verify(TOKEN));

        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.attempts()).isEqualTo(Retry.DEFAULT_MAX_ATTEMPTS);
        assertThat(e.getMessage()).isEqualTo("Hetzner Cloud answered 503 four times; try again later.");
        assertThat(fake.requests()).hasSize(4);
        assertThat(sleeps).hasSize(3);
    }

    @Test
    void aRateLimitLongerThanTheWaitBudgetGoesBackToTheCaller() {
        fake.rateLimitNext("/v1/locations", 60, 1);

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> hetzner.verify(TOKEN));

        assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(60));
        assertThat(sleeps).isEmpty();
    }

    @Test
    void anotherClientErrorIsRejectedWithHetznersMessage() {
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> hetzner.create(TOKEN, new CreateServer("x", "mars1", "cx22", "ubuntu-24.04", Map.of())));
        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
        assertThat(e.getMessage()).isEqualTo("Hetzner Cloud refused the request (422): invalid input in field 'location'");

        hetzner.create(TOKEN, SPEC);
        ProviderException dup = catchThrowableOfType(ProviderException.class, () -> hetzner.create(TOKEN, SPEC));
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.getMessage()).endsWith("server name is already used");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void noAnswerAtAllIsUnavailable() {
        URI gone = fake.baseUrl();
        fake.close();
        HetznerCloud h = new HetznerCloud(gone, Retry.defaults().withSleeper(sleeps::add), clock, Duration.ofSeconds(1), Duration.ofSeconds(2));

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> h.get(TOKEN, "1"));

        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.status()).isZero();
        assertThat(e.getMessage()).isEqualTo("Hetzner Cloud did not answer in 4 attempts; try again later.");
    }

    @Test
    void theTokenNeverAppearsInAMessageOrALog() {
        List<Throwable> failures = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            fake.failNext("/v1/locations", 401, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> hetzner.verify(TOKEN)));
            fake.failNext("/v1/servers", 403, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> hetzner.create(TOKEN, SPEC)));
            fake.down();
            failures.add(catchThrowableOfType(ProviderException.class, () -> hetzner.delete(TOKEN, "42")));
            fake.up();
            fake.rateLimitNext("/v1/servers", 600, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> hetzner.get(TOKEN, "42")));
            failures.add(catchThrowableOfType(ProviderException.class, () -> hetzner.verify(TOKEN + "\r\nX-Evil: 1")));

            assertThat(failures).allSatisfy(f -> {
                assertThat(f).isNotNull();
                for (Throwable t = f; t != null; t = t.getCause()) {
                    assertThat(t.getMessage()).doesNotContain(TOKEN);
                    assertThat(t.toString()).doesNotContain(TOKEN);
                }
            });
            assertThat(logs.events()).allSatisfy(ev -> assertThat(ev.getMessage().getFormattedMessage()).doesNotContain(TOKEN));
        }
        assertThat(failures.get(1)).hasMessageContaining("insufficient permissions");
        assertThat(failures.getLast()).extracting(f -> ((ProviderException) f).kind()).isEqualTo(Kind.INVALID_TOKEN);
    }

    @Test
    void aServerIdThatIsNotANumberNeverReachesThePath() {
        assertThatThrownBy(() -> hetzner.get(TOKEN, "../locations")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hetzner.delete(TOKEN, "1?x=y")).isInstanceOf(IllegalArgumentException.class);
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void hetznerRateLimitHeadersBecomeTheWaitForOneRequest() {
        Instant now = Instant.parse("2025-03-01T12:00:00Z");
        HttpHeaders empty = HttpHeaders.of(Map.of("RateLimit-Limit", List.of("3600"), "RateLimit-Remaining", List.of("0"),
                "RateLimit-Reset", List.of(Long.toString(now.getEpochSecond() + 3600))), (a, b) -> true);
        assertThat(HetznerCloud.rateLimitWait(empty, now)).isEqualTo(Duration.ofSeconds(1));
        HttpHeaders resetOnly = HttpHeaders.of(Map.of("RateLimit-Reset", List.of(Long.toString(now.getEpochSecond() + 5))), (a, b) -> true);
        assertThat(HetznerCloud.rateLimitWait(resetOnly, now)).isEqualTo(Duration.ofSeconds(5));
        assertThat(HetznerCloud.rateLimitWait(HttpHeaders.of(Map.of(), (a, b) -> true), now)).isNull();
    }

    @Test
    void metricsAreTheLatestCpuSampleDividedByTheServersCores() {
        Server created = hetzner.create(TOKEN, SPEC);
        long id = Long.parseLong(created.id());
        fake.markRunning(id);
        fake.metrics(id, 37.5, 80.0, 90.0); // memory and disk: Hetzner does not report them
        fake.reset();

        ComputeProvider.Metrics m = hetzner.metrics(TOKEN, created.id(), clock.now).orElseThrow();

        assertThat(m.cpuPct()).isEqualTo(37.5); // the fake reports 75 per vCPU on 2 cores
        assertThat(m.memPct()).isNull();
        assertThat(m.diskPct()).isNull();
        assertThat(m.collectedAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00Z"));
        FakeCloud.Recorded r = fake.requests().stream().filter(q -> q.path().endsWith("/metrics")).findFirst().orElseThrow();
        assertThat(r.query()).isEqualTo("type=cpu&start=2025-03-01T11:55:00Z&end=2025-03-01T12:00:00Z&step=60");
        assertThat(r.headers()).containsEntry("authorization", "Bearer " + TOKEN);
    }

    @Test
    void metricsWithoutSamplesAreEmptyFieldsAndAnUnknownServerIsEmpty() {
        Server created = hetzner.create(TOKEN, SPEC);

        assertThat(hetzner.metrics(TOKEN, created.id(), clock.now)).contains(ComputeProvider.Metrics.NONE);
        assertThat(hetzner.metrics(TOKEN, "99999999", clock.now)).isEmpty();
        assertThatThrownBy(() -> hetzner.metrics(TOKEN, "../locations", clock.now)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metricsAreTriedOnceAndFailLikeEveryOtherCall() {
        Server created = hetzner.create(TOKEN, SPEC);
        fake.reset();
        fake.down();
        ProviderException down = catchThrowableOfType(ProviderException.class, () -> hetzner.metrics(TOKEN, created.id(), clock.now));
        assertThat(down.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(down.status()).isEqualTo(503);
        assertThat(fake.requests()).hasSize(2); // the server and its metrics, once each
        assertThat(sleeps).isEmpty();
        fake.up();

        fake.rateLimitNext("/v1/servers/" + created.id() + "/metrics", 30, 1);
        assertThat(catchThrowableOfType(ProviderException.class, () -> hetzner.metrics(TOKEN, created.id(), clock.now)).kind())
                .isEqualTo(Kind.RATE_LIMITED);
        assertThat(sleeps).isEmpty();
        try (LogCapture logs = LogCapture.start()) {
            ProviderException refused = catchThrowableOfType(ProviderException.class, () -> hetzner.metrics("hz-wrong-token-0123456789abcdef", created.id(), clock.now));
            assertThat(refused.kind()).isEqualTo(Kind.INVALID_TOKEN);
            assertThat(logs.events()).allSatisfy(ev -> assertThat(ev.getMessage().getFormattedMessage()).doesNotContain(TOKEN));
        }
    }

    @Test
    void statusesMapOntoGantrys() {
        assertThat(HetznerCloud.status("initializing")).isEqualTo("provisioning");
        assertThat(HetznerCloud.status("starting")).isEqualTo("provisioning");
        assertThat(HetznerCloud.status("running")).isEqualTo("running");
        assertThat(HetznerCloud.status("off")).isEqualTo("off");
        assertThat(HetznerCloud.status("deleting")).isEqualTo("deleting");
        assertThat(hetzner.name()).isEqualTo("hetzner");
        assertThat(hetzner.defaultInstanceType()).isEqualTo("cx22");
    }
}

package dev.gantry.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.compute.ComputeProvider.CreateServer;
import dev.gantry.shared.compute.ComputeProvider.Server;
import dev.gantry.shared.compute.ProviderException.Kind;
import dev.gantry.shared.testing.FakeCloud;
import dev.gantry.shared.testing.FakeDigitalOcean;
import dev.gantry.shared.testing.LogCapture;
import dev.gantry.shared.testing.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The DigitalOcean driver against a fake that answers as DigitalOcean documents, with failures injected. */
class DigitalOceanTest {
    static final String TOKEN = "dop_v1_3f9a0c1b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a";
    static final CreateServer SPEC = new CreateServer("gantry-env-1", "nyc3", "s-1vcpu-1gb", "ubuntu-24-04-x64",
            Map.of("gantry-env", "env_123", "owner", "ada@example.com"));

    FakeDigitalOcean fake;
    MovableClock clock;
    List<Duration> sleeps;
    DigitalOcean digitalOcean;

    @BeforeEach
    void start() {
        clock = new MovableClock();
        clock.now = Instant.parse("2025-03-01T12:00:00Z");
        fake = FakeDigitalOcean.start().validToken(TOKEN);
        fake.clock(clock);
        sleeps = new ArrayList<>();
        Retry retry = Retry.defaults().withSleeper(sleeps::add).withRandom(new Random(11));
        digitalOcean = new DigitalOcean(fake.baseUrl(), retry, clock, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void verifyReadsTheAccountThenTheAvailableRegionsAndPrefersNyc3() {
        ComputeProvider.Account account = digitalOcean.verify(TOKEN);

        assertThat(account.defaultRegion()).isEqualTo("nyc3");
        assertThat(account.regions()).contains("nyc1", "nyc3", "fra1").hasSize(7);
        assertThat(fake.requests()).extracting(FakeCloud.Recorded::path).containsExactly("/v2/account", "/v2/regions");
        assertThat(fake.requests()).allSatisfy(r -> assertThat(r.headers()).containsEntry("authorization", "Bearer " + TOKEN));
    }

    @Test
    void unavailableRegionsAreLeftOutAndTheFirstAvailableIsTheDefaultWithoutNyc3() {
        fake.unavailableRegions("nyc1", "nyc3");
        ComputeProvider.Account account = digitalOcean.verify(TOKEN);
        assertThat(account.regions()).doesNotContain("nyc1", "nyc3");
        assertThat(account.defaultRegion()).isEqualTo("sfo3");
    }

    @Test
    void a401OrA403OnTheAccountIsInvalidToken() {
        ProviderException wrong = catchThrowableOfType(ProviderException.class, () -> digitalOcean.verify("dop_v1_not_a_real_token_at_all_000000"));
        assertThat(wrong.kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(wrong.status()).isEqualTo(401);

        fake.failNext("/v2/account", 403, 1);
        ProviderException scoped = catchThrowableOfType(ProviderException.class, () -> digitalOcean.verify(TOKEN));
        assertThat(scoped.kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(scoped.status()).isEqualTo(403);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void createSendsDropletFieldsWithLabelsAsTags() throws Exception {
        Server s = digitalOcean.create(TOKEN, SPEC);

        assertThat(s.id()).matches("[0-9]{9}");
        assertThat(s.status()).isEqualTo(ComputeProvider.PROVISIONING); // "new"
        assertThat(s.ipv4()).as("no network until active").isNull();
        assertThat(s.region()).isEqualTo("nyc3");
        assertThat(s.instanceType()).isEqualTo("s-1vcpu-1gb");
        JsonNode body = new ObjectMapper().readTree(fake.requests().getFirst().body());
        assertThat(body.get("name").asText()).isEqualTo("gantry-env-1");
        assertThat(body.get("region").asText()).isEqualTo("nyc3");
        assertThat(body.get("size").asText()).isEqualTo("s-1vcpu-1gb");
        assertThat(body.get("image").asText()).isEqualTo("ubuntu-24-04-x64");
        assertThat(fake.droplets().get(Long.parseLong(s.id())).tags()).containsExactly("gantry-env:env_123", "owner:ada_example_com");
    }

    @Test
    void getReadsThePublicAddressOnceActive() {
        Server created = digitalOcean.create(TOKEN, SPEC);
        fake.markRunning(Long.parseLong(created.id()));

        Server s = digitalOcean.get(TOKEN, created.id()).orElseThrow();

        assertThat(s.status()).isEqualTo(ComputeProvider.RUNNING);
        assertThat(s.ipv4()).as("the public v4, not the private one").startsWith("164.90.");
        assertThat(digitalOcean.get(TOKEN, "999999999")).isEmpty();
    }

    @Test
    void deleteIsIdempotent() {
        Server created = digitalOcean.create(TOKEN, SPEC);

        digitalOcean.delete(TOKEN, created.id()); // 204
        digitalOcean.delete(TOKEN, created.id()); // 404: already deleted

        assertThat(fake.deleted()).containsExactly(Long.parseLong(created.id()));
        assertThat(sleeps).isEmpty();
    }

    @Test
    void twoServerErrorsThenSuccessAfterTwoJitteredSleeps() {
        Server created = digitalOcean.create(TOKEN, SPEC);
        fake.failNext("/v2/droplets/", 500, 2);

        assertThat(digitalOcean.get(TOKEN, created.id())).isPresent();

        assertThat(sleeps).hasSize(2);
        assertThat(sleeps.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(200));
        assertThat(sleeps.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(400));
    }

    @Test
    void aRateLimitIsWaitedOutUntilTheReset() {
        fake.rateLimitNext("/v2/regions", 4, 1);

        digitalOcean.verify(TOKEN);

        assertThat(sleeps).containsExactly(Duration.ofSeconds(4));
    }

    @Test
    void createIsRetriedOn429ButNotOn5xx() {
        fake.rateLimitNext("/v2/droplets", 2, 1);
        digitalOcean.create(TOKEN, SPEC);
        assertThat(fake.droplets()).hasSize(1);

        fake.failNext("/v2/droplets", 502, 1);
        ProviderException e = catchThrowableOfType(ProviderException.class, () -> digitalOcean.create(TOKEN, SPEC));
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("DigitalOcean answered 502; try again later.");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void aProviderThatStaysDownIsUnavailableAfterMaxAttempts() {
        fake.down();

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> digitalOcean.delete(TOKEN, "412300001"));

        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("DigitalOcean answered 503 four times; try again later.");
        assertThat(fake.requests()).hasSize(4);
        assertThat(sleeps).hasSize(3);
    }

    @Test
    void anotherClientErrorIsRejectedWithDigitalOceansMessage() {
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> digitalOcean.create(TOKEN, new CreateServer("x", "moon1", "s-1vcpu-1gb", "ubuntu-24-04-x64", Map.of())));
        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
        assertThat(e.getMessage()).isEqualTo("DigitalOcean refused the request (422): You specified an invalid region for Droplet creation.");
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void theTokenNeverAppearsInAMessageOrALog() {
        List<Throwable> failures = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            fake.failNext("/v2/account", 401, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> digitalOcean.verify(TOKEN)));
            fake.failNext("/v2/droplets", 422, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> digitalOcean.create(TOKEN, SPEC)));
            fake.down();
            failures.add(catchThrowableOfType(ProviderException.class, () -> digitalOcean.get(TOKEN, "1")));
            fake.up();
            fake.rateLimitNext("/v2/droplets", 3600, 1);
            failures.add(catchThrowableOfType(ProviderException.class, () -> digitalOcean.delete(TOKEN, "1")));
            failures.add(catchThrowableOfType(ProviderException.class, () -> digitalOcean.verify(" " + TOKEN)));

            assertThat(failures).allSatisfy(f -> {
                assertThat(f).isNotNull();
                for (Throwable t = f; t != null; t = t.getCause()) {
                    assertThat(t.getMessage()).doesNotContain(TOKEN);
                    assertThat(t.toString()).doesNotContain(TOKEN);
                }
            });
            assertThat(logs.events()).allSatisfy(ev -> assertThat(ev.getMessage().getFormattedMessage()).doesNotContain(TOKEN));
        }
    }

    @Test
    void aServerIdThatIsNotANumberNeverReachesThePath() {
        assertThatThrownBy(() -> digitalOcean.get(TOKEN, "1/actions")).isInstanceOf(IllegalArgumentException.class);
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void metricsComputeCpuFromIdleSecondsAndMemoryAndRootDiskFromBytes() {
        Server created = digitalOcean.create(TOKEN, SPEC);
        long id = Long.parseLong(created.id());
        fake.markRunning(id);
        fake.metrics(id, 42.0, 63.5, 71.25);
        fake.reset();

        ComputeProvider.Metrics m = digitalOcean.metrics(TOKEN, created.id(), clock.now).orElseThrow();

        assertThat(m.cpuPct()).isCloseTo(42.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(m.memPct()).isCloseTo(63.5, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(m.diskPct()).as("/ only, not /boot/efi").isCloseTo(71.25, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(m.collectedAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00Z"));
        assertThat(fake.requests()).extracting(FakeCloud.Recorded::path).containsExactlyInAnyOrder(
                "/v2/monitoring/metrics/droplet/cpu", "/v2/monitoring/metrics/droplet/memory_available",
                "/v2/monitoring/metrics/droplet/memory_total", "/v2/monitoring/metrics/droplet/filesystem_free",
                "/v2/monitoring/metrics/droplet/filesystem_size");
        long end = clock.now.getEpochSecond();
        assertThat(fake.requests()).allSatisfy(r -> assertThat(r.query()).isEqualTo("host_id=" + id + "&start=" + (end - 600) + "&end=" + end));
    }

    @Test
    void aDropletWithoutTheAgentHasNoMetricsAndOnlyWhatIsReportedIsFilledIn() {
        Server created = digitalOcean.create(TOKEN, SPEC);
        long id = Long.parseLong(created.id());

        assertThat(digitalOcean.metrics(TOKEN, created.id(), clock.now)).contains(ComputeProvider.Metrics.NONE);
        fake.metrics(id, 10.0, null, null);
        ComputeProvider.Metrics m = digitalOcean.metrics(TOKEN, created.id(), clock.now).orElseThrow();
        assertThat(m.cpuPct()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(m.memPct()).isNull();
        assertThat(m.diskPct()).isNull();
    }

    @Test
    void metricsAreTriedOnceA404IsEmptyAndFailuresAreProviderExceptions() {
        Server created = digitalOcean.create(TOKEN, SPEC);
        fake.failNext("/v2/monitoring/metrics/droplet/memory_total", 404, 1);
        assertThat(digitalOcean.metrics(TOKEN, created.id(), clock.now)).isEmpty();

        fake.reset();
        fake.failNext("/v2/monitoring/metrics/droplet/cpu", 500, 1);
        ProviderException e = catchThrowableOfType(ProviderException.class, () -> digitalOcean.metrics(TOKEN, created.id(), clock.now));
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.status()).isEqualTo(500);
        assertThat(fake.requests()).hasSize(5);
        assertThat(sleeps).isEmpty();
        assertThat(catchThrowableOfType(ProviderException.class,
                () -> digitalOcean.metrics("dop_v1_wrong_0123456789abcdef", created.id(), clock.now)).kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThatThrownBy(() -> digitalOcean.metrics(TOKEN, "1&host_id=2", clock.now)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cpuUsesTheLastTwoSamplesOfEveryModeAndSumsSeveralCpus() throws Exception {
        var json = new ObjectMapper().readTree("""
                [{"metric":{"host_id":"1","mode":"idle","cpu":"0"},"values":[[100,"10"],[160,"40"],[220,"70"]]},
                 {"metric":{"host_id":"1","mode":"idle","cpu":"1"},"values":[[100,"10"],[160,"40"],[220,"40"]]},
                 {"metric":{"host_id":"1","mode":"user","cpu":"0"},"values":[[100,"5"],[160,"5"],[220,"5"]]},
                 {"metric":{"host_id":"1","mode":"user","cpu":"1"},"values":[[100,"5"],[160,"5"],[220,"35"]]}]""");
        // Δidle = 30 + 0, Δuser = 0 + 30 over 160 → 220: half of two CPUs busy
        assertThat(DigitalOcean.cpu(json).value()).isEqualTo(50.0);
        assertThat(DigitalOcean.cpu(new ObjectMapper().readTree("[]"))).isNull();
    }

    @Test
    void rateLimitResetIsTheWaitAndStatusesMapOntoGantrys() {
        Instant now = Instant.parse("2025-03-01T12:00:00Z");
        HttpHeaders h = HttpHeaders.of(Map.of("ratelimit-reset", List.of(Long.toString(now.getEpochSecond() + 7))), (a, b) -> true);
        assertThat(DigitalOcean.rateLimitWait(h, now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(DigitalOcean.status("new")).isEqualTo("provisioning");
        assertThat(DigitalOcean.status("active")).isEqualTo("running");
        assertThat(DigitalOcean.status("off")).isEqualTo("off");
        assertThat(DigitalOcean.status("archive")).isEqualTo("deleting");
        assertThat(digitalOcean.name()).isEqualTo("digitalocean");
        assertThat(digitalOcean.defaultInstanceType()).isEqualTo("s-1vcpu-1gb");
    }
}

package dev.gantry.functions.webhooks;

import com.standardwebhooks.Webhook;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import dev.gantry.shared.webhooks.UrlGuard;
import dev.gantry.shared.webhooks.WebhookDispatcher.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outbound webhooks end to end (API.md §11): the real handler, the real dispatcher driven by a
 * recording queue, DynamoDB Local, and real HTTP receivers on loopback: one healthy, one that fails
 * twice then succeeds, one that never answers in time, one that redirects, one that is gone, one
 * that is overloaded, one that always fails. A movable clock drives the retry schedule.
 */
class WebhookDeliveryIT {
    MovableClock clock;
    WebhooksClient api;
    Receivers receivers;
    final Map<String, List<InetAddress>> dns = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        clock = new MovableClock();
        clock.now = Instant.now();
        receivers = new Receivers();
        var wiring = TestStack.newWiring(clock, null, Map.of("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
        // a short attempt timeout for the receiver that never answers (production: 10 s)
        wiring.webhookAttemptTimeout(Duration.ofMillis(600));
        wiring.webhookResolver(host -> dns.containsKey(host) ? dns.get(host) : UrlGuard.HostResolver.SYSTEM.resolve(host));
        api = new WebhooksClient(wiring);
    }

    @AfterEach
    void stop() {
        receivers.close();
    }

    String create(String url, String events) {
        Reply r = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":" + events + "}").expect(201);
        return r.text("/id") + " " + r.text("/secret");
    }

    Reply delivery(String endpointId) {
        Reply list = api.call("GET", "/v1/webhook-endpoints/" + endpointId + "/deliveries", null).expect(200);
        assertThat(list.json().get("data").size()).as(list.raw()).isGreaterThanOrEqualTo(1);
        return list;
    }

    Instant nextAttemptAt(String endpointId) {
        String next = delivery(endpointId).text("/data/0/next_attempt_at");
        return next.equals("null") || next.isEmpty() ? null : Instant.parse(next);
    }

    void advanceTo(Instant at) {
        if (at.isAfter(clock.now)) clock.now = at;
    }

    @Test
    void healthyFlakyTimeoutAndRedirectReceiversFollowTheSchedule() throws Exception {
        api.signup(Plan.PRO);
        String healthy = receivers.add("/healthy", n -> Receivers.Answer.of(204));
        String flaky = receivers.add("/flaky", n -> Receivers.Answer.of(n <= 2 ? 500 : 200));
        String slow = receivers.add("/slow", n -> new Receivers.Answer(200, Map.of(), 3_000));
        String redirect = receivers.add("/redirect", n -> new Receivers.Answer(302, Map.of("Location", healthy), 0));
        receivers.add("/other", n -> Receivers.Answer.of(200));

        String[] h = create(healthy, "[\"*\"]").split(" ");
        String[] f = create(flaky, "[\"deploy.*\"]").split(" ");
        String[] s = create(slow, "[\"deploy.succeeded\"]").split(" ");
        String[] r = create(redirect, "[\"deploy.*\",\"deploy.succeeded\"]").split(" ");
        String[] other = create(healthy.replace("/healthy", "/other"), "[\"environment.*\"]").split(" ");

        Instant t0 = clock.now;
        api.emit("deploy.succeeded", Map.of("deploy_id", "dep_123", "status", "succeeded"));
        api.drain();

        // healthy: one request, Standard Webhooks headers, verified by the reference library with the secret shown at creation
        var got = receivers.at("/healthy");
        assertThat(got).hasSize(1);
        var first = got.get(0);
        assertThat(first.header("webhook-id")).startsWith("msg_");
        assertThat(Long.parseLong(first.header("webhook-timestamp"))).isEqualTo(t0.getEpochSecond());
        assertThat(first.header("content-type")).startsWith("application/json");
        new Webhook(h[1]).verify(first.body(), first.standardHeaders());
        var payload = Json.readTree(first.body());
        assertThat(payload.get("type").asText()).isEqualTo("deploy.succeeded");
        assertThat(payload.get("data").get("deploy_id").asText()).isEqualTo("dep_123");
        assertThat(Instant.parse(payload.get("timestamp").asText())).isEqualTo(t0);
        Reply hd = delivery(h[0]);
        assertThat(hd.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(hd.json().at("/data/0/attempts").asInt()).isEqualTo(1);
        assertThat(hd.json().at("/data/0/last_status_code").asInt()).isEqualTo(204);
        assertThat(hd.text("/data/0/event_type")).isEqualTo("deploy.succeeded");
        assertThat(hd.text("/data/0/event_id")).startsWith("evt_");
        assertThat(hd.text("/data/0/id")).isEqualTo(first.header("webhook-id"));
        assertThat(hd.raw()).doesNotContain(h[1]);

        // the endpoint subscribed to environment.* got nothing
        assertThat(receivers.at("/other")).isEmpty();
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + other[0] + "/deliveries", null).expect(200).json().get("data")).isEmpty();

        // flaky: 500, retry in about 5 s
        Reply fd = delivery(f[0]);
        assertThat(fd.text("/data/0/status")).isEqualTo("pending");
        assertThat(fd.json().at("/data/0/last_status_code").asInt()).isEqualTo(500);
        assertThat(fd.text("/data/0/last_error")).isEqualTo("HTTP 500");
        assertThat(Duration.between(t0, nextAttemptAt(f[0])).toMillis()).isBetween(4_500L, 5_500L);
        // slow: timed out, no status code
        Reply sd = delivery(s[0]);
        assertThat(sd.text("/data/0/status")).isEqualTo("pending");
        assertThat(sd.json().at("/data/0/last_status_code").isNull()).isTrue();
        assertThat(sd.text("/data/0/last_error")).contains("timed out");
        // redirect: a 3xx is a failure and is not followed (the healthy receiver saw one request only)
        Reply rd = delivery(r[0]);
        assertThat(rd.text("/data/0/status")).isEqualTo("pending");
        assertThat(rd.json().at("/data/0/last_status_code").asInt()).isEqualTo(302);
        assertThat(rd.text("/data/0/last_error")).contains("redirects are not followed");
        assertThat(receivers.at("/healthy")).hasSize(1);

        // nothing is due yet: draining again only puts the messages back (SQS holds them for their delay)
        assertThat(api.drain()).containsOnly(Outcome.NOT_DUE);
        assertThat(receivers.at("/flaky")).hasSize(1);

        // +6 s: second attempts; flaky fails again and waits about 5 min
        clock.now = t0.plusSeconds(6);
        api.drain();
        assertThat(receivers.at("/flaky")).hasSize(2);
        Instant flakyNext = nextAttemptAt(f[0]);
        assertThat(Duration.between(clock.now, flakyNext).toSeconds()).isBetween(269L, 331L);
        // +5.5 min: flaky succeeds on its third attempt, with the same webhook-id every time
        advanceTo(flakyNext.plusSeconds(1));
        api.drain();
        var flakyGot = receivers.at("/flaky");
        assertThat(flakyGot).hasSize(3);
        assertThat(flakyGot).extracting(x -> x.header("webhook-id")).containsOnly(flakyGot.get(0).header("webhook-id"));
        // (5.5 min of test clock later the reference verifier's 5-minute timestamp tolerance would refuse it; its signer agrees)
        var third = flakyGot.get(2);
        assertThat(third.header("webhook-signature")).isEqualTo(new Webhook(f[1]).sign(third.header("webhook-id"),
                Long.parseLong(third.header("webhook-timestamp")), third.body()));
        assertThat(Long.parseLong(third.header("webhook-timestamp"))).isEqualTo(clock.now.getEpochSecond());
        Reply fDone = delivery(f[0]);
        assertThat(fDone.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(fDone.json().at("/data/0/attempts").asInt()).isEqualTo(3);
        // the delivery itself lists each attempt, oldest first, with its status code
        String flakyId = fDone.text("/data/0/id");
        Reply one = api.call("GET", "/v1/webhook-endpoints/" + f[0] + "/deliveries/" + flakyId, null).expect(200);
        assertThat(one.text("/id")).isEqualTo(flakyId);
        assertThat(one.text("/status")).isEqualTo("succeeded");
        assertThat(one.json().at("/attempts").asInt()).isEqualTo(3);
        assertThat(one.json().at("/last_status_code").asInt()).isEqualTo(fDone.json().at("/data/0/last_status_code").asInt());
        var log = one.json().get("attempt_log");
        assertThat(log).hasSize(3);
        for (int i = 0; i < 3; i++) assertThat(log.get(i).get("number").asInt()).isEqualTo(i + 1);
        assertThat(log.get(0).get("status_code").asInt()).isEqualTo(500);
        assertThat(log.get(0).get("error").asText()).isEqualTo("HTTP 500");
        assertThat(log.get(1).get("status_code").asInt()).isEqualTo(500);
        assertThat(log.get(2).get("status_code").asInt()).isEqualTo(fDone.json().at("/data/0/last_status_code").asInt()).isBetween(200, 299);
        assertThat(log.get(2).get("error").isNull()).isTrue();
        assertThat(Instant.parse(log.get(0).get("at").asText())).isEqualTo(t0);
        assertThat(Instant.parse(log.get(1).get("at").asText())).isBefore(Instant.parse(log.get(2).get("at").asText()));
        assertThat(log.get(0).get("duration_ms").asLong()).isGreaterThanOrEqualTo(0);
        // not found under another endpoint, nor when missing
        api.call("GET", "/v1/webhook-endpoints/" + h[0] + "/deliveries/" + flakyId, null).expectError(404, "delivery_not_found");
        api.call("GET", "/v1/webhook-endpoints/" + f[0] + "/deliveries/msg_01j9zzzzzzzzzzzzzzzzzzzzzz", null).expectError(404, "delivery_not_found");

        // the slow and redirecting receivers run through the whole schedule: 8 attempts, then failed
        Instant previous = clock.now;
        for (int i = 0; i < 10; i++) {
            Instant next = nextAttemptAt(s[0]);
            if (next == null) break;
            // halfway there: a wait longer than SQS's 15-minute delay is chained, not attempted early
            Instant half = previous.plus(Duration.between(previous, next).dividedBy(2));
            if (Duration.between(previous, next).toMinutes() > 30) {
                advanceTo(half);
                int before = receivers.at("/slow").size();
                // (the redirecting endpoint's own jittered schedule may make it due meanwhile)
                assertThat(api.drain()).contains(Outcome.NOT_DUE);
                assertThat(receivers.at("/slow")).hasSize(before);
            }
            advanceTo(next.plusSeconds(1));
            previous = clock.now;
            api.drain();
        }
        Instant slowDone = clock.now;
        Reply sFailed = delivery(s[0]);
        assertThat(sFailed.text("/data/0/status")).isEqualTo("failed");
        assertThat(sFailed.json().at("/data/0/attempts").asInt()).isEqualTo(8);
        assertThat(sFailed.json().at("/data/0/next_attempt_at").isNull()).isTrue();
        assertThat(receivers.at("/slow")).hasSize(8);
        // the redirecting endpoint's jitter differs: let its last attempt come due too
        for (Instant next = nextAttemptAt(r[0]); next != null; next = nextAttemptAt(r[0])) {
            advanceTo(next.plusSeconds(1));
            api.drain();
        }
        Reply rFailed = delivery(r[0]);
        assertThat(rFailed.text("/data/0/status")).isEqualTo("failed");
        assertThat(receivers.at("/redirect")).hasSize(8);
        // the whole schedule spans about 27.6 hours (5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h, ±10 %)
        assertThat(Duration.between(t0, slowDone).toHours()).isBetween(24L, 31L);
        // long waits went through SQS as chained 900 s delays
        assertThat(api.history).anyMatch(m -> m.delaySeconds() == 900);

        // status filter and pagination
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + s[0] + "/deliveries?status=failed", null).expect(200).json().get("data")).hasSize(1);
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + s[0] + "/deliveries?status=pending", null).expect(200).json().get("data")).isEmpty();
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + h[0] + "/deliveries?status=succeeded", null).expect(200).json().get("data")).hasSize(1);
        api.call("GET", "/v1/webhook-endpoints/" + h[0] + "/deliveries?status=lost", null).expectError(400, "validation_error");

        // redeliver a failed delivery: a new attempt now, same webhook-id
        String failedId = sFailed.text("/data/0/id");
        Reply again = api.call("POST", "/v1/webhook-endpoints/" + r[0] + "/deliveries/" + rFailed.text("/data/0/id") + "/redeliver", null).expect(202);
        assertThat(again.text("/status")).isEqualTo("pending");
        api.drain();
        assertThat(receivers.at("/redirect")).hasSize(9);
        assertThat(receivers.at("/redirect").get(8).header("webhook-id")).isEqualTo(rFailed.text("/data/0/id"));
        assertThat(delivery(r[0]).text("/data/0/status")).isEqualTo("failed");
        assertThat(delivery(r[0]).json().at("/data/0/attempts").asInt()).isEqualTo(9);
        // a delivery of another endpoint is not found under this one
        api.call("POST", "/v1/webhook-endpoints/" + r[0] + "/deliveries/" + failedId + "/redeliver", null).expectError(404, "delivery_not_found");
    }

    @Test
    void duplicateQueueMessagesNeverSendTwice() throws Exception {
        api.signup(Plan.PRO);
        String healthy = receivers.add("/once", n -> Receivers.Answer.of(200));
        String[] h = create(healthy, "[\"deploy.*\"]").split(" ");
        api.emit("deploy.queued", Map.of("deploy_id", "dep_1"));

        // the fan-out message twice (SQS at-least-once, or the outbox's fast path and relay): one delivery
        var fanout = api.take();
        assertThat(fanout).hasSize(1);
        var dispatcher = api.wiring.webhookDispatcher();
        assertThat(dispatcher.fanOut(fanout.get(0).body())).isEqualTo(1);
        assertThat(dispatcher.fanOut(fanout.get(0).body())).isZero();
        var deliveries = api.take();
        assertThat(deliveries).hasSize(1);

        // the delivery message three times, two of them at the same moment: one request, one success
        String body = deliveries.get(0).body();
        var pool = Executors.newFixedThreadPool(2);
        var go = new CountDownLatch(1);
        var a = pool.submit(() -> { go.await(); return dispatcher.deliver(body); });
        var b = pool.submit(() -> { go.await(); return dispatcher.deliver(body); });
        go.countDown();
        List<Outcome> both = List.of(a.get(), b.get());
        pool.shutdown();
        // the loser sees the attempt finished (a duplicate) or still leased (in flight: put back until the lease runs out)
        assertThat(both).contains(Outcome.SUCCEEDED).hasSize(2);
        assertThat(both.get(0) == Outcome.SUCCEEDED ? both.get(1) : both.get(0)).isIn(Outcome.DUPLICATE, Outcome.IN_FLIGHT);
        assertThat(dispatcher.deliver(body)).isEqualTo(Outcome.DUPLICATE);
        assertThat(receivers.at("/once")).hasSize(1);
        Reply d = delivery(h[0]);
        assertThat(d.json().get("data")).hasSize(1);
        assertThat(d.json().at("/data/0/attempts").asInt()).isEqualTo(1);
    }

    @Test
    void goneDisablesTheEndpointAndOverloadHonoursRetryAfter() throws Exception {
        api.signup(Plan.PRO);
        String gone = receivers.add("/gone", n -> Receivers.Answer.of(410));
        String busy = receivers.add("/busy", n -> new Receivers.Answer(503, Map.of("Retry-After", "120"), 0));
        String[] g = create(gone, "[\"*\"]").split(" ");
        String[] b = create(busy, "[\"*\"]").split(" ");
        Instant t0 = clock.now;
        api.emit("environment.created", Map.of("environment_id", "env_1"));
        api.drain();

        Reply ge = api.call("GET", "/v1/webhook-endpoints/" + g[0], null).expect(200);
        assertThat(ge.text("/status")).isEqualTo("disabled");
        assertThat(ge.text("/disabled_reason")).contains("410");
        Reply gd = delivery(g[0]);
        assertThat(gd.text("/data/0/status")).isEqualTo("failed");
        assertThat(gd.json().at("/data/0/attempts").asInt()).isEqualTo(1);

        // 503 with Retry-After: 120 (later than the 5 s of the schedule) is honoured
        assertThat(Duration.between(t0, nextAttemptAt(b[0])).toSeconds()).isEqualTo(120);

        // a disabled endpoint gets nothing more; test and redeliver say why
        api.emit("environment.deleted", Map.of("environment_id", "env_1"));
        api.drain();
        assertThat(receivers.at("/gone")).hasSize(1);
        api.call("POST", "/v1/webhook-endpoints/" + g[0] + "/test", null).expectError(409, "conflict");

        // enabling it again clears the reason
        Reply enabled = api.call("PATCH", "/v1/webhook-endpoints/" + g[0], "{\"status\":\"enabled\"}").expect(200);
        assertThat(enabled.text("/status")).isEqualTo("enabled");
        assertThat(enabled.json().get("disabled_reason").isNull()).isTrue();
    }

    @Test
    void anEndpointWhoseDeliveriesAllFailForFiveDaysIsDisabled() throws Exception {
        api.signup(Plan.PRO);
        String broken = receivers.add("/broken", n -> Receivers.Answer.of(500));
        String[] e = create(broken, "[\"deploy.failed\"]").split(" ");
        Instant t0 = clock.now;
        for (int day = 0; day <= 5; day++) {
            clock.now = t0.plus(Duration.ofDays(day)).plusSeconds(1);
            Reply now = api.call("GET", "/v1/webhook-endpoints/" + e[0], null).expect(200);
            assertThat(now.text("/status")).as("day %d", day).isEqualTo("enabled");
            api.emit("deploy.failed", Map.of("deploy_id", "dep_" + day));
            api.drain();
        }
        Reply disabled = api.call("GET", "/v1/webhook-endpoints/" + e[0], null).expect(200);
        assertThat(disabled.text("/status")).isEqualTo("disabled");
        assertThat(disabled.text("/disabled_reason")).contains("5 days");
        // the deliveries still pending are given up, not sent, once their time comes
        int requests = receivers.at("/broken").size();
        clock.now = clock.now.plus(Duration.ofDays(1));
        api.drain();
        assertThat(receivers.at("/broken")).hasSize(requests);
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + e[0] + "/deliveries?status=pending", null).expect(200).json().get("data")).isEmpty();
    }

    @Test
    void oneSuccessResetsTheFailingPeriod() throws Exception {
        api.signup(Plan.PRO);
        var succeedOnDay3 = new java.util.concurrent.atomic.AtomicBoolean();
        String url = receivers.add("/sometimes", n -> Receivers.Answer.of(succeedOnDay3.get() ? 200 : 500));
        String[] e = create(url, "[\"*\"]").split(" ");
        Instant t0 = clock.now;
        for (int day = 0; day <= 6; day++) {
            clock.now = t0.plus(Duration.ofDays(day)).plusSeconds(1);
            succeedOnDay3.set(day == 3);
            api.emit("instance.created", Map.of("instance_id", "inst_" + day));
            api.drain();
        }
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + e[0], null).expect(200).text("/status")).isEqualTo("enabled");
    }

    @Test
    void aNameThatTurnsPrivateAfterCreationIsRefusedAtDelivery() throws Exception {
        api.signup(Plan.PRO);
        String path = receivers.add("/rebind", n -> Receivers.Answer.of(200));
        String port = path.replaceAll(".*:(\\d+)/.*", "$1");
        dns.put("hooks.rebind.test", List.of(InetAddress.getByName("127.0.0.1")));
        String[] e = create("http://hooks.rebind.test:" + port + "/rebind", "[\"*\"]").split(" ");
        // creation refuses names that resolve to metadata or private addresses right away
        dns.put("metadata.rebind.test", List.of(InetAddress.getByName("169.254.169.254")));
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"https://metadata.rebind.test/\",\"events\":[\"*\"]}").expectError(400, "validation_error");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"https://10.0.0.1/\",\"events\":[\"*\"]}").expectError(400, "validation_error");

        // the name now answers a private address: the delivery attempt is refused, nothing is sent there
        dns.put("hooks.rebind.test", List.of(InetAddress.getByName("10.0.0.1")));
        api.emit("repo.scan_completed", Map.of("repo_id", "repo_1"));
        api.drain();
        Reply d = delivery(e[0]);
        assertThat(d.text("/data/0/status")).isEqualTo("pending");
        assertThat(d.text("/data/0/last_error")).contains("SSRF guard").contains("private");
        assertThat(receivers.at("/rebind")).isEmpty();

        // and back to the (allowed, in this configuration) loopback address: the retry goes through, to the checked address
        dns.put("hooks.rebind.test", List.of(InetAddress.getByName("127.0.0.1")));
        advanceTo(nextAttemptAt(e[0]).plusSeconds(1));
        api.drain();
        assertThat(receivers.at("/rebind")).hasSize(1);
        assertThat(receivers.at("/rebind").get(0).header("host")).isEqualTo("hooks.rebind.test:" + port);
        assertThat(delivery(e[0]).text("/data/0/status")).isEqualTo("succeeded");
    }
}

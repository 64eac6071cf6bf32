package dev.gantry.functions.webhooks;

import com.standardwebhooks.Webhook;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import dev.gantry.shared.webhooks.WebhookEndpointRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Managing webhook endpoints through the real handler (API.md §11): validation, quota, roles, If-Match, rotation, ping. */
class WebhookEndpointsIT {
    MovableClock clock;
    WebhooksClient api;
    Receivers receivers;
    String url;

    @BeforeEach
    void start() throws Exception {
        clock = new MovableClock();
        clock.now = Instant.now();
        receivers = new Receivers();
        url = receivers.add("/hook", n -> Receivers.Answer.of(200));
        api = new WebhooksClient(TestStack.newWiring(clock, null, Map.of("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true")));
    }

    @AfterEach
    void stop() {
        receivers.close();
    }

    @Test
    void createValidatesQuotaAndShowsTheSecretOnce() {
        api.signup(Plan.FREE);
        // validation: every problem at once
        Reply bad = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"ftp://x\",\"events\":[\"deploy.exploded\"],\"color\":\"red\"}")
                .expectError(400, "validation_error");
        assertThat(bad.raw()).contains("events[0]").contains("color");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[]}").expectError(400, "validation_error");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\"}").expectError(400, "validation_error");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"https://169.254.169.254/\",\"events\":[\"*\"]}").expectError(400, "validation_error");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://example.com/\",\"events\":[\"*\"]}").expectError(400, "validation_error");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"https://u:p@example.com/\",\"events\":[\"*\"]}").expectError(400, "validation_error");

        Reply created = api.call("POST", "/v1/webhook-endpoints",
                "{\"url\":\"" + url + "\",\"events\":[\"deploy.*\",\"deploy.*\",\"api_key.revoked\"],\"description\":\"CI\"}").expect(201);
        String id = created.text("/id");
        String secret = created.text("/secret");
        assertThat(id).startsWith("whe_");
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSizeBetween(24, 32);
        assertThat(created.json().get("events").toString()).isEqualTo("[\"deploy.*\",\"api_key.revoked\"]");
        assertThat(created.text("/status")).isEqualTo("enabled");
        assertThat(created.text("/description")).isEqualTo("CI");

        // shown once: never in GET or the list; stored only as ciphertext
        Reply got = api.call("GET", "/v1/webhook-endpoints/" + id, null).expect(200);
        assertThat(got.raw()).doesNotContain(secret).doesNotContain("secret");
        assertThat(got.header("etag")).isNotBlank();
        assertThat(api.call("GET", "/v1/webhook-endpoints", null).expect(200).raw()).doesNotContain(secret).contains(id);
        WebhookEndpointRepository.Endpoint stored = api.wiring.webhooks().endpoints().get(id);
        assertThat(stored.secrets()).hasSize(1);
        assertThat(stored.secrets().get(0).ciphertext()).doesNotContain(secret.substring(6));
        assertThat(stored.toString()).doesNotContain(secret.substring(6));

        // the free plan allows one endpoint
        Reply limit = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expectError(402, "plan_limit_exceeded");
        assertThat(limit.json().at("/details/resource").asText()).isEqualTo("webhook_endpoints");
        assertThat(limit.json().at("/details/limit").asInt()).isEqualTo(1);
        // deleting frees the slot
        api.call("DELETE", "/v1/webhook-endpoints/" + id, null).expect(204);
        api.call("GET", "/v1/webhook-endpoints/" + id, null).expectError(404, "webhook_endpoint_not_found");
        api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expect(201);
    }

    @Test
    void rolesAndWorkspaces() {
        api.signup(Plan.PRO);
        String viewer = api.apiKey(Role.VIEWER);
        String developer = api.apiKey(Role.DEVELOPER);
        String admin = api.apiKey(Role.ADMIN);
        String body = "{\"url\":\"" + url + "\",\"events\":[\"*\"]}";
        api.call("POST", "/v1/webhook-endpoints", body, viewer, Map.of()).expectError(403, "forbidden");
        api.call("POST", "/v1/webhook-endpoints", body, developer, Map.of()).expectError(403, "forbidden");
        String id = api.call("POST", "/v1/webhook-endpoints", body, admin, Map.of()).expect(201).text("/id");
        api.call("GET", "/v1/webhook-endpoints/" + id, null, viewer, Map.of()).expect(200);
        api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries", null, viewer, Map.of()).expect(200);
        api.call("POST", "/v1/webhook-endpoints/" + id + "/test", null, viewer, Map.of()).expectError(403, "forbidden");
        api.call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", null, developer, Map.of()).expectError(403, "forbidden");
        api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":\"disabled\"}", viewer, Map.of()).expectError(403, "forbidden");
        api.call("DELETE", "/v1/webhook-endpoints/" + id, null, developer, Map.of()).expectError(403, "forbidden");

        // another workspace sees nothing
        WebhooksClient other = new WebhooksClient(api.wiring);
        other.signup(Plan.PRO);
        other.call("GET", "/v1/webhook-endpoints/" + id, null).expectError(404, "webhook_endpoint_not_found");
        other.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":\"disabled\"}").expectError(404, "webhook_endpoint_not_found");
        other.call("POST", "/v1/webhook-endpoints/" + id + "/test", null).expectError(404, "webhook_endpoint_not_found");
        assertThat(other.call("GET", "/v1/webhook-endpoints", null).expect(200).json().get("data")).isEmpty();
        api.call("GET", "/v1/webhook-endpoints/whe_nonsense", null).expectError(404, "webhook_endpoint_not_found");
    }

    @Test
    void patchHonoursIfMatchAndRechecksTheUrl() {
        api.signup(Plan.PRO);
        String id = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expect(201).text("/id");
        String etag = api.call("GET", "/v1/webhook-endpoints/" + id, null).expect(200).header("etag");
        Reply changed = api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"events\":[\"deploy.failed\"],\"description\":\"only failures\"}",
                api.token(), Map.of("If-Match", etag)).expect(200);
        assertThat(changed.json().get("events").toString()).isEqualTo("[\"deploy.failed\"]");
        assertThat(changed.text("/description")).isEqualTo("only failures");
        // the old ETag is stale now: 412, nothing written
        api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":\"disabled\"}", api.token(), Map.of("If-Match", etag))
                .expectError(412, "precondition_failed");
        api.call("DELETE", "/v1/webhook-endpoints/" + id, null, api.token(), Map.of("If-Match", etag)).expectError(412, "precondition_failed");
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + id, null).expect(200).text("/status")).isEqualTo("enabled");
        api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"url\":\"https://10.1.2.3/hook\"}").expectError(400, "validation_error");
        api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":\"paused\"}").expectError(400, "validation_error");
        Reply disabled = api.call("PATCH", "/v1/webhook-endpoints/" + id, "{\"status\":\"disabled\"}").expect(200);
        assertThat(disabled.text("/status")).isEqualTo("disabled");
        assertThat(disabled.text("/disabled_reason")).isNotBlank();
    }

    @Test
    void rotationSignsWithBothSecretsFor24HoursAndTestSendsAPing() throws Exception {
        api.signup(Plan.PRO);
        Reply created = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"deploy.*\"]}").expect(201);
        String id = created.text("/id");
        String oldSecret = created.text("/secret");

        // test: a ping to this endpoint, although it subscribed to deploy.* only
        Reply ping = api.call("POST", "/v1/webhook-endpoints/" + id + "/test", null).expect(202);
        assertThat(ping.text("/event_type")).isEqualTo("ping");
        assertThat(ping.text("/status")).isEqualTo("pending");
        api.drain();
        var first = receivers.at("/hook").get(0);
        assertThat(first.body()).contains("\"type\":\"ping\"");
        assertThat(first.header("webhook-signature").split(" ")).hasSize(1);
        new Webhook(oldSecret).verify(first.body(), first.standardHeaders());

        Reply rotated = api.call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", null).expect(200);
        String newSecret = rotated.text("/secret");
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
        assertThat(Duration.between(clock.now, Instant.parse(rotated.text("/previous_secret_expires_at")))).isEqualTo(Duration.ofHours(24));

        // during the overlap both secrets sign, and each verifies on its own
        api.emit("deploy.started", Map.of("deploy_id", "dep_1"));
        api.drain();
        var during = receivers.at("/hook").get(1);
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        new Webhook(oldSecret).verify(during.body(), during.standardHeaders());
        new Webhook(newSecret).verify(during.body(), during.standardHeaders());

        // after 24 h only the new one signs
        clock.now = clock.now.plus(Duration.ofHours(24)).plusSeconds(1);
        api.emit("deploy.started", Map.of("deploy_id", "dep_2"));
        api.drain();
        var after = receivers.at("/hook").get(2);
        String[] sigs = after.header("webhook-signature").split(" ");
        assertThat(sigs).hasSize(1);
        long ts = Long.parseLong(after.header("webhook-timestamp"));
        assertThat(sigs[0]).isEqualTo(new Webhook(newSecret).sign(after.header("webhook-id"), ts, after.body()));
        assertThat(sigs[0]).isNotEqualTo(new Webhook(oldSecret).sign(after.header("webhook-id"), ts, after.body()));

        // a second rotation keeps at most two secrets signing
        api.call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", null).expect(200);
        api.call("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", null).expect(200);
        assertThat(api.wiring.webhooks().signingSecrets(api.wiring.webhooks().endpoints().get(id), clock.now)).hasSize(2);
    }

    @Test
    void deliveriesListNewestFirstWithACursor() {
        api.signup(Plan.PRO);
        String id = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expect(201).text("/id");
        for (int i = 0; i < 3; i++) {
            clock.now = clock.now.plusSeconds(1);
            api.emit("environment.created", Map.of("n", i));
        }
        api.drain();
        Reply p1 = api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries?limit=2", null).expect(200);
        assertThat(p1.json().get("data")).hasSize(2);
        String cursor = p1.text("/next_cursor");
        Reply p2 = api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries?limit=2&cursor=" + cursor, null).expect(200);
        assertThat(p2.json().get("data")).hasSize(1);
        assertThat(p1.text("/data/0/id").compareTo(p1.text("/data/1/id"))).isPositive();
        assertThat(p1.text("/data/1/id").compareTo(p2.text("/data/0/id"))).isPositive();
        api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries?cursor=forged.cursor", null).expectError(400, "invalid_cursor");
        // a cursor of one status filter is not accepted for another
        api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries?status=failed&limit=2&cursor=" + cursor, null).expectError(400, "invalid_cursor");
    }

    @Test
    void anEndpointAddedAfterAnEventDoesNotGetItEvenIfTheFanOutRunsLate() {
        api.signup(Plan.PRO);
        api.emit("deploy.cancelled", Map.of("deploy_id", "dep_late"));
        var pending = api.take(); // the fan-out message, held back (as if the writer died and the relay sends it later)
        clock.now = clock.now.plusSeconds(30);
        String id = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expect(201).text("/id");
        pending.forEach(m -> api.send(m.queue(), m.body(), m.delaySeconds()));
        api.drain();
        assertThat(receivers.at("/hook")).isEmpty();
        assertThat(api.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries", null).expect(200).json().get("data")).isEmpty();
    }
}

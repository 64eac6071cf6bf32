package dev.gantry.functions.platform;

import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.testing.FakeHetzner;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compute provider failing: during token verification (nothing is stored, the quota is not
 * taken) and during VM deletion (retried with backoff by the driver, then the job ends failed
 * with the reason, and the environment and instance say so; nothing is half-removed).
 */
class ProviderFailuresIT {
    static final String TOKEN = PlatformFlowIT.HETZNER_TOKEN;
    static FakeHetzner hetzner;
    static PlatformClient api;

    @BeforeAll
    static void start() {
        hetzner = FakeHetzner.start().validToken(TOKEN);
        var wiring = TestStack.newWiring(Clock.systemUTC(), null, Map.of(
                "GANTRY_HETZNER_API_URL", hetzner.baseUrl().toString(), "GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true"));
        wiring.gitHubApp(new InMemoryGitHubApp());
        api = new PlatformClient(wiring);
    }

    @AfterAll
    static void stop() {
        hetzner.close();
    }

    @BeforeEach
    void providerUp() {
        hetzner.up();
    }

    @Test
    void verificationDuringAnOutageStoresNothing() {
        String t = api.signup("outage");
        hetzner.failNext("/v1/locations", 503, 10);
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + TOKEN + "\"}", t)
                .expectError(503, "unavailable");
        assertThat(api.call("GET", "/v1/compute-targets", null, t).expect(200).json().get("data")).isEmpty();
        hetzner.reset();
        hetzner.validToken(TOKEN);
        // rate limited once, then fine: the driver waits and retries within the request
        hetzner.rateLimitNext("/v1/locations", 1, 1);
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + TOKEN + "\"}", t).expect(201);
    }

    @Test
    void anInstanceIsStillReadWhenItsMetricsCannotBe() {
        String t = api.signup("metricsdown");
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/express-api\"}", t).expect(201).text("/id");
        String ctId = api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + TOKEN + "\"}", t)
                .expect(201).text("/id");
        String envId = api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"web\",\"compute_target_id\":\"" + ctId + "\"}", t)
                .expect(201).text("/id");
        api.drain(1);
        long serverId = PlatformFlowIT.serverOf(envId, hetzner);
        hetzner.markRunning(serverId);
        api.drain(3);
        String instanceId = api.call("GET", "/v1/environments/" + envId, null, t).expect(200).text("/instance_id");
        hetzner.metrics(serverId, 50.0, null, null);
        assertThat(api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200).json().at("/metrics/cpu_pct").doubleValue()).isEqualTo(50.0);

        hetzner.down();
        Reply down = api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200);
        assertThat(down.text("/status")).isEqualTo("running");
        assertThat(down.json().get("metrics").isNull()).isTrue();
        assertThat(down.text("/metrics_error")).contains("Hetzner Cloud answered 503").doesNotContain(TOKEN);
        hetzner.up();

        hetzner.rateLimitNext("/v1/servers/" + serverId + "/metrics", 30, 1);
        Reply limited = api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200);
        assertThat(limited.json().get("metrics").isNull()).isTrue();
        assertThat(limited.text("/metrics_error")).contains("rate-limiting");

        assertThat(api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200).json().at("/metrics/cpu_pct").doubleValue()).isEqualTo(50.0);
    }

    @Test
    void aDeletionThatThe_providerRefusesEndsFailedWithItsReason() {
        String t = api.signup("deletefail");
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/express-api\"}", t).expect(201).text("/id");
        String ctId = api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + TOKEN + "\"}", t)
                .expect(201).text("/id");
        String envId = api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"web\",\"compute_target_id\":\"" + ctId + "\"}", t)
                .expect(201).text("/id");
        api.drain(1);
        hetzner.markRunning(PlatformFlowIT.serverOf(envId, hetzner));
        api.drain(3);
        String instanceId = api.call("GET", "/v1/environments/" + envId, null, t).expect(200).text("/instance_id");
        assertThat(api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200).text("/status")).isEqualTo("running");

        hetzner.down();
        api.call("DELETE", "/v1/environments/" + envId, null, t).expect(202);
        api.drain(3);
        Reply env = api.call("GET", "/v1/environments/" + envId, null, t).expect(200);
        assertThat(env.text("/status")).isEqualTo("delete_failed");
        assertThat(env.text("/status_reason")).contains("could not delete the VM");
        Reply inst = api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200);
        assertThat(inst.text("/status")).isEqualTo("failed");
        long deleteCalls = hetzner.requests().stream().filter(r -> r.method().equals("DELETE")).count();
        assertThat(deleteCalls).as("the driver retried before giving up").isGreaterThanOrEqualTo(2);
        // still referenced, still counted: nothing was half-removed
        api.call("DELETE", "/v1/compute-targets/" + ctId, null, t).expectError(409, "compute_target_in_use");

        // the provider is back: deleting again finishes the job
        hetzner.up();
        api.call("DELETE", "/v1/environments/" + envId, null, t).expect(202);
        api.drain(3);
        api.call("GET", "/v1/environments/" + envId, null, t).expectError(404, "environment_not_found");
        assertThat(api.call("GET", "/v1/instances/" + instanceId, null, t).expect(200).text("/status")).isEqualTo("destroyed");
        api.call("DELETE", "/v1/compute-targets/" + ctId, null, t).expect(204);
    }
}

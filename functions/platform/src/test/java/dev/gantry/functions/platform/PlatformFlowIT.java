package dev.gantry.functions.platform;

import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.testing.FakeHetzner;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platform's resource model end to end through the real handler and workers, against
 * DynamoDB Local, the simulated GitHub's fixture repos and a fake Hetzner Cloud reached by the real
 * HTTP driver: connect → scan → compute target → environment (VM provisioned by a job) → env vars,
 * shared secrets, bindings, resolved env → the compute target in use → delete the environment
 * (VM destroyed by a job) → the compute target is free again.
 */
class PlatformFlowIT {
    static final String HETZNER_TOKEN = "hz-valid-token-0123456789abcdefghijklmnopqrstuvwxyz";
    static FakeHetzner hetzner;
    static PlatformClient api;
    static String token;

    @BeforeAll
    static void start() {
        hetzner = FakeHetzner.start().validToken(HETZNER_TOKEN);
        var wiring = TestStack.newWiring(Clock.systemUTC(), null, Map.of(
                "GANTRY_HETZNER_API_URL", hetzner.baseUrl().toString(),
                "GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true"));
        wiring.gitHubApp(new InMemoryGitHubApp());
        api = new PlatformClient(wiring);
        token = api.signup("flow");
    }

    @AfterAll
    static void stop() {
        hetzner.close();
    }

    @Test
    void fromRepoToVmAndBack() {
        // connect a repo: the scan is queued with it, and the worker detects the stack
        Reply repo = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", token).expect(201);
        String repoId = repo.text("/id");
        assertThat(repo.text("/scan_status")).isEqualTo("pending");
        api.call("POST", "/v1/repos", "{\"full_name\":\"Gantry-Demo/Flask-App\"}", token).expectError(409, "already_exists");
        api.drain(3);
        Reply scanned = api.call("GET", "/v1/repos/" + repoId, null, token).expect(200);
        assertThat(scanned.text("/scan_status")).isEqualTo("completed");
        assertThat(scanned.text("/language")).isEqualTo("python");
        assertThat(scanned.text("/framework")).isEqualTo("flask");
        assertThat(scanned.json().get("procfile_detected").asBoolean()).isTrue();
        assertThat(scanned.text("/scan_id")).startsWith("sc_");

        // a compute target: the token is checked at the provider, stored encrypted, never returned
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"aws\",\"name\":\"x\",\"api_token\":\"whatever-token\"}", token)
                .expectError(400, "invalid_provider");
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"x\",\"api_token\":\"wrong-token-0123456789\"}", token)
                .expectError(400, "invalid_token");
        Reply ct = api.call("POST", "/v1/compute-targets",
                "{\"provider\":\"hetzner\",\"name\":\"Hetzner\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", token).expect(201);
        assertThat(ct.raw()).doesNotContain(HETZNER_TOKEN);
        assertThat(ct.text("/status")).isEqualTo("valid");
        assertThat(ct.text("/default_region")).isEqualTo("fsn1");
        String ctId = ct.text("/id");
        assertThat(api.call("GET", "/v1/compute-targets/" + ctId, null, token).expect(200).raw()).doesNotContain(HETZNER_TOKEN);
        // the free plan allows one compute target
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"Two\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", token)
                .expectError(402, "plan_limit_exceeded");

        // an environment: slug rules, unique per repo, and its VM provisioned by a job
        api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"Prod!\",\"compute_target_id\":\"" + ctId + "\"}", token)
                .expectError(400, "validation_error");
        Reply env = api.call("POST", "/v1/repos/" + repoId + "/environments",
                "{\"name\":\"production\",\"compute_target_id\":\"" + ctId + "\"}", token).expect(201);
        String envId = env.text("/id");
        assertThat(env.text("/status")).isEqualTo("pending");
        assertThat(env.text("/branch")).isEqualTo("main");
        assertThat(env.text("/secret_scope")).isEqualTo("production");
        assertThat(env.text("/instance_type")).isEqualTo("cx22");
        api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ctId + "\"}", token)
                .expectError(409, "already_exists");
        api.drain(1); // creates the server; it is still starting
        long serverId = serverOf(envId);
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/status")).isEqualTo("provisioning");
        hetzner.markRunning(serverId);
        api.drain(3);
        Reply ready = api.call("GET", "/v1/environments/" + envId, null, token).expect(200);
        assertThat(ready.text("/status")).isEqualTo("ready");
        String instanceId = ready.text("/instance_id");
        Reply inst = api.call("GET", "/v1/instances/" + instanceId, null, token).expect(200);
        assertThat(inst.text("/status")).isEqualTo("running");
        assertThat(inst.text("/provider_server_id")).isEqualTo(Long.toString(serverId));
        assertThat(inst.text("/ip")).isNotBlank();
        assertThat(inst.json().get("metrics").isNull()).as("no sample yet").isTrue();
        assertThat(inst.json().get("metrics_error").isNull()).isTrue();

        // live metrics from Hetzner's monitoring API on the single-instance GET; lists never call the provider
        hetzner.metrics(serverId, 12.5, null, null);
        inst = api.call("GET", "/v1/instances/" + instanceId, null, token).expect(200);
        assertThat(inst.json().at("/metrics/cpu_pct").doubleValue()).isEqualTo(12.5);
        assertThat(inst.json().at("/metrics/mem_pct").isNull()).as("Hetzner has no memory metric").isTrue();
        assertThat(inst.json().at("/metrics/disk_pct").isNull()).isTrue();
        assertThat(inst.json().at("/metrics/container_count").isNull()).isTrue();
        assertThat(inst.text("/metrics/collected_at")).isNotBlank();
        assertThat(inst.json().get("metrics_error").isNull()).isTrue();
        assertThat(inst.json().get("agent_connected").booleanValue()).isFalse();
        int calls = hetzner.requests().size();
        Reply list = api.call("GET", "/v1/instances", null, token).expect(200);
        assertThat(list.json().at("/data/0/metrics").isNull()).isTrue();
        assertThat(hetzner.requests()).hasSize(calls);

        // env vars: secrets redacted on read, revealed to admins (the owner here)
        api.call("PUT", "/v1/environments/" + envId + "/env-vars",
                "[{\"key\":\"SENTRY_DSN\",\"value\":\"https://sentry.example\"},{\"key\":\"STRIPE_KEY\",\"value\":\"sk_live_123\",\"secret\":true}]",
                token).expect(200);
        Reply vars = api.call("GET", "/v1/environments/" + envId + "/env-vars", null, token).expect(200);
        assertThat(vars.raw()).doesNotContain("sk_live_123").contains("\"***\"");
        assertThat(api.call("GET", "/v1/environments/" + envId + "/env-vars/STRIPE_KEY/reveal", null, token).expect(200).text("/value"))
                .isEqualTo("sk_live_123");

        // shared secrets: the production one wins over "all" for a production environment
        api.call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://all\",\"scope\":\"all\"}", token).expect(201);
        api.call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://prod\",\"scope\":\"production\"}", token).expect(201);
        api.call("POST", "/v1/environments/" + envId + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\"}", token).expect(201);
        api.call("POST", "/v1/environments/" + envId + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\",\"alias\":\"SENTRY_DSN\"}", token)
                .expectError(409, "conflict");
        Reply resolved = api.call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=true", null, token).expect(200);
        assertThat(resolved.json().get("data").toString()).contains("postgres://prod").doesNotContain("postgres://all");

        // the compute target is in use until the environment is gone
        api.call("DELETE", "/v1/compute-targets/" + ctId, null, token).expectError(409, "compute_target_in_use");

        api.call("DELETE", "/v1/environments/" + envId, null, token).expect(202);
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/status")).isEqualTo("deleting");
        api.drain(3);
        assertThat(hetzner.deleted()).contains(serverId);
        api.call("GET", "/v1/environments/" + envId, null, token).expectError(404, "environment_not_found");
        assertThat(api.call("GET", "/v1/instances/" + instanceId, null, token).expect(200).text("/status")).isEqualTo("destroyed");
        assertThat(api.eventTypes()).contains("repo.scan_completed", "environment.created", "instance.created", "instance.destroyed",
                "environment.deleted");
        api.call("DELETE", "/v1/compute-targets/" + ctId, null, token).expect(204);
        // the quota is released: a new compute target fits the free plan again
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"Again\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", token)
                .expect(201);
    }

    /** The one VM created for the environment (other tests share the fake cloud). */
    static long serverOf(String envId) {
        return serverOf(envId, hetzner);
    }

    static long serverOf(String envId, FakeHetzner cloud) {
        var mine = cloud.servers().values().stream().filter(s -> envId.equals(s.labels().get("gantry_environment"))).toList();
        assertThat(mine).hasSize(1);
        return mine.get(0).id();
    }

    @Test
    void ifMatchOnAnEnvironmentIsCheckedAtomicallyWithTheWrite() {
        String t = api.signup("etag");
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/go-service\"}", t).expect(201).text("/id");
        String ctId = api.call("POST", "/v1/compute-targets",
                "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", t).expect(201).text("/id");
        String envId = api.call("POST", "/v1/repos/" + repoId + "/environments",
                "{\"name\":\"staging\",\"compute_target_id\":\"" + ctId + "\"}", t).expect(201).text("/id");
        Reply read = api.call("GET", "/v1/environments/" + envId, null, t).expect(200);
        String etag = read.header("ETag");
        api.call("GET", "/v1/environments/" + envId, null, t, Map.of("if-none-match", etag)).expect(304);
        api.call("PATCH", "/v1/environments/" + envId, "{\"branch\":\"release\"}", t, Map.of("if-match", etag)).expect(200);
        // the same ETag again: the resource changed, nothing is written
        api.call("PATCH", "/v1/environments/" + envId, "{\"branch\":\"other\"}", t, Map.of("if-match", etag))
                .expectError(412, "precondition_failed");
        assertThat(api.call("GET", "/v1/environments/" + envId, null, t).expect(200).text("/branch")).isEqualTo("release");
    }

    @Test
    void anotherWorkspacesResourcesAreNotFound() {
        String other = api.signup("other");
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/rails-shop\"}", token).expect(201).text("/id");
        api.call("GET", "/v1/repos/" + repoId, null, other).expectError(404, "repo_not_found");
        api.call("DELETE", "/v1/repos/" + repoId, null, other).expectError(404, "repo_not_found");
        api.call("GET", "/v1/repos/" + repoId + "/environments", null, other).expectError(404, "repo_not_found");
        assertThat(api.call("GET", "/v1/repos", null, other).expect(200).json().get("data")).isEmpty();
    }
}

package dev.gantry.tests;

import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.gantry.tests.LocalGantry.await;
import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platform slice end to end over real HTTP against the local server, whose workers poll
 * ElasticMQ and whose drivers are the simulated GitHub (fixture repos) and simulated clouds (VMs
 * that boot in a few seconds): connect a repo → the scan completes with detected fields → add a
 * compute target → create an environment (its VM is provisioned) → PUT env vars with a secret →
 * GET redacted → shared secrets in scope all and production, bound to the environment →
 * resolved-env shows the production one → reveal as admin, forbidden as developer → deleting the
 * compute target in use is 409 → delete the environment → its instance is destroyed.
 */
class PlatformScenarioIT {
    @Test
    void repoToVmAndBack() {
        String email = "pat-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String token = call("POST", "/v1/auth/signup",
                "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Pat\"}", null).expect(201).text("/token");
        call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
        String developer = call("POST", "/v1/api-keys", "{\"name\":\"ci\",\"role\":\"developer\"}", token).expect(201).text("/token");

        // connect → scan
        String repoId = call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/express-api\"}", token).expect(201).text("/id");
        Reply repo = await("/v1/repos/" + repoId, token, r -> r.text("/scan_status").equals("completed"));
        assertThat(repo.text("/language")).isEqualTo("nodejs");
        assertThat(repo.text("/framework")).isEqualTo("express");
        assertThat(repo.json().get("dockerfile_detected").asBoolean()).isTrue();

        // compute target (simulated DigitalOcean) → environment, whose VM the job worker provisions
        Reply ct = call("POST", "/v1/compute-targets",
                "{\"provider\":\"digitalocean\",\"name\":\"DO\",\"api_token\":\"dop_v1_simulated_0123456789abcdef\"}", token).expect(201);
        assertThat(ct.raw()).doesNotContain("dop_v1_simulated");
        String ctId = ct.text("/id");
        String envId = call("POST", "/v1/repos/" + repoId + "/environments",
                "{\"name\":\"production\",\"compute_target_id\":\"" + ctId + "\"}", token).expect(201).text("/id");
        Reply env = await("/v1/environments/" + envId, token, r -> r.text("/status").equals("ready"));
        String instanceId = env.text("/instance_id");
        Reply instance = call("GET", "/v1/instances/" + instanceId, null, token).expect(200);
        assertThat(instance.text("/status")).isEqualTo("running");
        assertThat(instance.text("/ip")).startsWith("164.90.");

        // env vars: a secret is redacted on read
        call("PUT", "/v1/environments/" + envId + "/env-vars",
                "[{\"key\":\"NODE_ENV\",\"value\":\"production\"},{\"key\":\"STRIPE_KEY\",\"value\":\"sk_live_abc\",\"secret\":true}]", developer)
                .expect(200);
        Reply vars = call("GET", "/v1/environments/" + envId + "/env-vars", null, developer).expect(200);
        assertThat(vars.raw()).doesNotContain("sk_live_abc").contains("\"***\"").contains("\"production\"");

        // shared secrets: "all" and "production"; the production environment resolves the production one
        call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://shared\",\"scope\":\"all\"}", token).expect(201);
        call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://prod\",\"scope\":\"production\"}", token).expect(201);
        call("POST", "/v1/environments/" + envId + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\"}", token).expect(201);
        Reply resolved = call("GET", "/v1/environments/" + envId + "/resolved-env", null, developer).expect(200);
        assertThat(resolved.raw()).doesNotContain("postgres://").doesNotContain("sk_live_abc");
        assertThat(resolved.json().get("unresolved")).isEmpty();
        Reply revealed = call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=true", null, token).expect(200);
        assertThat(revealed.raw()).contains("postgres://prod").doesNotContain("postgres://shared").contains("sk_live_abc");
        call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=true", null, developer).expectError(403, "forbidden");
        call("GET", "/v1/environments/" + envId + "/env-vars/STRIPE_KEY/reveal", null, developer).expectError(403, "forbidden");
        assertThat(call("GET", "/v1/environments/" + envId + "/env-vars/STRIPE_KEY/reveal", null, token).expect(200).text("/value"))
                .isEqualTo("sk_live_abc");
        // the reveals are audited
        assertThat(call("GET", "/v1/audit-log?action=env_var.revealed", null, token).expect(200).json().get("data")).hasSize(1);

        // the compute target is in use while the environment exists
        call("DELETE", "/v1/compute-targets/" + ctId, null, token).expectError(409, "compute_target_in_use");

        // delete the environment: the job destroys its VM, then the environment is gone
        call("DELETE", "/v1/environments/" + envId, null, token).expect(202);
        await("/v1/environments/" + envId, token, r -> r.status() == 404).expectError(404, "environment_not_found");
        assertThat(call("GET", "/v1/instances/" + instanceId, null, token).expect(200).text("/status")).isEqualTo("destroyed");
        call("DELETE", "/v1/compute-targets/" + ctId, null, token).expect(204);
    }
}

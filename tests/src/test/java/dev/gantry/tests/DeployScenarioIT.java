package dev.gantry.tests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.await;
import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deploys end to end over real HTTP against the local server, driven by GitHub's own example
 * push payload (signed as GitHub signs it): installation → repo → environment → a push deploys
 * it to succeeded with logs → a second queued push is superseded by a third → cancel → rollback.
 * The local server's workers poll ElasticMQ; its GitHub Actions builds (simulated) take ~4 s and
 * its VMs (simulated) boot in ~3 s.
 */
class DeployScenarioIT {
    static final String REPO = "gantry-demo/flask-app";

    private static String push(String sha, String message) {
        ObjectNode push = GitHubExamples.example("push", e -> e.path("ref").asText("").startsWith("refs/heads/"));
        push.put("ref", "refs/heads/main").put("after", sha).put("deleted", false);
        ((ObjectNode) push.path("repository")).put("full_name", REPO).put("name", "flask-app");
        if (push.path("head_commit").isObject()) ((ObjectNode) push.path("head_commit")).put("message", message);
        assertThat(GitHubExamples.send("push", push).expect(200).raw()).isEqualTo("{\"ok\":true}");
        return sha;
    }

    private static String deployOf(String token, String envId, String sha) {
        Reply list = await("/v1/deploys?environment_id=" + envId + "&limit=100", token,
                r -> r.json().get("data").findValuesAsText("sha").contains(sha));
        for (var d : list.json().get("data")) if (d.get("sha").asText().equals(sha)) return d.get("id").asText();
        throw new AssertionError("no deploy of " + sha);
    }

    private static boolean terminal(Reply r) {
        return List.of("succeeded", "failed", "cancelled", "superseded").contains(r.text("/status"));
    }

    @Test
    void pushToRollback() {
        String email = "dev-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String token = call("POST", "/v1/auth/signup", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Dev\"}", null)
                .expect(201).text("/token");
        call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);

        // installation: GitHub's own example, for the fixture repo's owner (the local server's simulated GitHub)
        ObjectNode installation = GitHubExamples.example("installation", "created");
        GitHubExamples.send("installation", installation).expect(200);

        String repoId = call("POST", "/v1/repos", "{\"full_name\":\"" + REPO + "\"}", token).expect(201).text("/id");
        String ct = call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"hcloud-simulated-0123456789\"}", token)
                .expect(201).text("/id");
        String envId = call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}", token)
                .expect(201).text("/id");
        await("/v1/environments/" + envId, token, r -> r.text("/status").equals("ready"));

        // a push deploys it
        String first = deployOf(token, envId, push("1".repeat(40), "First release"));
        Reply done = await("/v1/deploys/" + first, token, DeployScenarioIT::terminal);
        assertThat(done.text("/status")).as(done.raw()).isEqualTo("succeeded");
        assertThat(done.text("/triggered_by")).isEqualTo("push");
        assertThat(done.text("/app_url")).startsWith("https://production-flask-app.");
        var lines = call("GET", "/v1/deploys/" + first + "/logs?limit=100", null, token).expect(200).json().get("lines");
        assertThat(lines.findValuesAsText("source")).contains("gantry", "actions", "release");
        assertThat(lines.findValuesAsText("text")).anyMatch(t -> t.startsWith("Deployed: https://"));

        // while one runs, a queued push is superseded by the next
        String running = deployOf(token, envId, push("2".repeat(40), "Second"));
        await("/v1/deploys/" + running, token, r -> !r.text("/status").equals("queued"));
        String older = deployOf(token, envId, push("3".repeat(40), "Third"));
        String newer = deployOf(token, envId, push("4".repeat(40), "Fourth"));
        assertThat(await("/v1/deploys/" + older, token, DeployScenarioIT::terminal).text("/status")).isEqualTo("superseded");
        assertThat(await("/v1/deploys/" + running, token, DeployScenarioIT::terminal).text("/status")).isEqualTo("succeeded");
        assertThat(await("/v1/deploys/" + newer, token, DeployScenarioIT::terminal).text("/status")).isEqualTo("succeeded");

        // cancel a running deploy
        String cancelled = deployOf(token, envId, push("5".repeat(40), "Fifth"));
        await("/v1/deploys/" + cancelled, token, r -> !r.text("/status").equals("queued"));
        call("POST", "/v1/deploys/" + cancelled + "/cancel", null, token).expect(200);
        assertThat(await("/v1/deploys/" + cancelled, token, DeployScenarioIT::terminal).text("/status")).isIn("cancelled", "succeeded");
        call("POST", "/v1/deploys/" + cancelled + "/cancel", null, token).expectError(409, "deploy_already_terminal");

        // roll back from the newest: the sha that succeeded before it
        Reply rollback = call("POST", "/v1/deploys/" + newer + "/rollback", null, token).expect(202);
        assertThat(rollback.text("/sha")).isEqualTo("2".repeat(40));
        assertThat(rollback.text("/triggered_by")).isEqualTo("rollback");
        assertThat(await("/v1/deploys/" + rollback.text("/id"), token, DeployScenarioIT::terminal).text("/status")).isEqualTo("succeeded");
        assertThat(call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/status")).isEqualTo("live");
    }
}

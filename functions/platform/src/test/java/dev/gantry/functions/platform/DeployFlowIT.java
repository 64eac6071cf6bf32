package dev.gantry.functions.platform;

import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.platform.DeployService;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deploys end to end through the real handler and deploy worker, on the simulated cloud and the
 * simulated GitHub (Actions builds take 4 s on a clock the test moves): a push becomes a deploy
 * that reaches succeeded with logs; a newer queued deploy supersedes an older queued one; one
 * deploy runs per environment at a time; cancel; rollback; a failing build fails the deploy with
 * the reason in its logs.
 */
class DeployFlowIT {
    static final String REPO = "gantry-demo/flask-app";
    static MovableClock clock = new MovableClock();
    static PlatformClient api;
    static DeployService deploys;
    static String token;
    static String envId;

    @BeforeAll
    static void start() {
        var wiring = TestStack.newWiring(clock, null, Map.of("GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true"));
        wiring.gitHubApp(new InMemoryGitHubApp().withBuilds(clock, Duration.ofSeconds(4))).rateLimiter(RateLimiter.NONE);
        api = new PlatformClient(wiring);
        deploys = wiring.deployService();
        token = api.signup("deployer");
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"" + REPO + "\"}", token).expect(201).text("/id");
        String ct = api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"simulated-hetzner-token-0123\"}", token)
                .expect(201).text("/id");
        envId = api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}", token)
                .expect(201).text("/id");
        settle();
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/status")).isEqualTo("ready");
    }

    /** Lets the workers and the simulated world run: clock forward, queue drained, a few times. */
    static void settle() {
        for (int i = 0; i < 6; i++) {
            api.drain(4);
            clock.now = clock.now.plusSeconds(5);
        }
        api.drain(4);
    }

    static String sha(int n) {
        return String.format("%040x", n);
    }

    static Reply deploy(String id) {
        return api.call("GET", "/v1/deploys/" + id, null, token).expect(200);
    }

    static List<String> logTexts(String id) {
        return api.call("GET", "/v1/deploys/" + id + "/logs?limit=100", null, token).expect(200).json().get("lines").findValuesAsText("text");
    }

    @Test
    void aPushBecomesARunningApp() {
        api.eventIds.clear();
        List<String> created = deploys.onPush(REPO, "main", sha(1), false, "octocat", "Fix the login page\n\nlong body");
        assertThat(created).hasSize(1);
        Reply queued = deploy(created.get(0));
        assertThat(queued.text("/status")).isEqualTo("queued");
        assertThat(queued.text("/triggered_by")).isEqualTo("push");
        settle();
        Reply done = deploy(created.get(0));
        assertThat(done.text("/status")).isEqualTo("succeeded");
        assertThat(done.text("/app_url")).isEqualTo("https://production-flask-app.gantry.app");
        assertThat(done.text("/run_url")).startsWith("https://github.com/" + REPO + "/actions/runs/");
        assertThat(done.text("/completed_at")).endsWith("Z");
        assertThat(logTexts(created.get(0))).anyMatch(l -> l.startsWith("Queued")).anyMatch(l -> l.startsWith("Dispatched workflow"))
                .anyMatch(l -> l.startsWith("Pulling image")).anyMatch(l -> l.startsWith("Deployed: https://"));
        Reply env = api.call("GET", "/v1/environments/" + envId, null, token).expect(200);
        assertThat(env.text("/status")).isEqualTo("live");
        assertThat(env.text("/app_url")).isEqualTo("https://production-flask-app.gantry.app");
        // each state change announced its webhook event, written in the change's own transaction
        assertThat(api.eventTypes()).containsSubsequence("deploy.queued", "deploy.started", "deploy.succeeded");

        // a push to another branch, or a branch deletion, deploys nothing
        assertThat(deploys.onPush(REPO, "feature", sha(2), false, "octocat", "wip")).isEmpty();
        assertThat(deploys.onPush(REPO, "main", "0".repeat(40), true, "octocat", null)).isEmpty();
    }

    @Test
    void aNewerQueuedDeploySupersedesAnOlderOneAndOneRunsAtATime() {
        String running = deploys.onPush(REPO, "main", sha(10), false, "a", "one").get(0);
        api.drain(3); // starts it: the environment is busy
        assertThat(deploy(running).text("/status")).isIn("provisioning", "building");
        String older = deploys.onPush(REPO, "main", sha(11), false, "a", "two").get(0);
        String newer = deploys.onPush(REPO, "main", sha(12), false, "a", "three").get(0);
        assertThat(deploy(older).text("/status")).isEqualTo("superseded");
        assertThat(deploy(newer).text("/status")).isEqualTo("queued");
        api.drain(3);
        assertThat(deploy(newer).text("/status")).as("waits for the running one").isEqualTo("queued");
        settle();
        assertThat(deploy(running).text("/status")).isEqualTo("succeeded");
        assertThat(deploy(newer).text("/status")).isEqualTo("succeeded");
        assertThat(deploy(newer).text("/sha")).isEqualTo(sha(12));
        // listing by environment and by status
        var listed = api.call("GET", "/v1/deploys?environment_id=" + envId + "&status=superseded", null, token).expect(200).json().get("data");
        assertThat(listed.findValuesAsText("id")).contains(older).doesNotContain(newer);
    }

    @Test
    void cancelAndRollback() {
        String first = deploys.onPush(REPO, "main", sha(20), false, "a", "good").get(0);
        settle();
        assertThat(deploy(first).text("/status")).isEqualTo("succeeded");
        String second = deploys.onPush(REPO, "main", sha(21), false, "a", "also good").get(0);
        settle();
        // cancel a running deploy: it stops at its next step
        String third = api.call("POST", "/v1/environments/" + envId + "/deploys", "{\"sha\":\"" + sha(22) + "\"}", token).expect(202).text("/id");
        api.drain(3);
        assertThat(api.call("POST", "/v1/deploys/" + third + "/cancel", null, token).expect(200).text("/status")).isEqualTo("cancelling");
        settle();
        assertThat(deploy(third).text("/status")).isEqualTo("cancelled");
        api.call("POST", "/v1/deploys/" + third + "/cancel", null, token).expectError(409, "deploy_already_terminal");

        // roll back from the second: a new deploy of the last sha that succeeded before it
        Reply rollback = api.call("POST", "/v1/deploys/" + second + "/rollback", null, token).expect(202);
        assertThat(rollback.text("/triggered_by")).isEqualTo("rollback");
        assertThat(rollback.text("/sha")).isEqualTo(sha(20));
        assertThat(rollback.text("/rollback_of")).isEqualTo(second);
        settle();
        assertThat(deploy(rollback.text("/id")).text("/status")).isEqualTo("succeeded");
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/status")).isEqualTo("live");
    }

    @Test
    void aFailingBuildFailsTheDeployWithTheReasonInItsLogs() {
        String id = deploys.onPush(REPO, "main", sha(30), false, "a", "break things [fail]").get(0);
        settle();
        Reply d = deploy(id);
        assertThat(d.text("/status")).isEqualTo("failed");
        assertThat(d.text("/failure_reason")).contains("the build ended failure");
        assertThat(logTexts(id)).anyMatch(l -> l.startsWith("Failed: the build ended failure"));
        // the environment is free again
        String next = deploys.onPush(REPO, "main", sha(31), false, "a", "fixed").get(0);
        settle();
        assertThat(deploy(next).text("/status")).isEqualTo("succeeded");
    }
}

package dev.gantry.functions.platform;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.platform.DeployRunner;
import dev.gantry.shared.testing.FakeHetzner;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deploy worker under faults, against DynamoDB Local and a fake Hetzner Cloud reached over
 * HTTP: every message delivered twice; a worker that dies in the middle of a step and is replaced
 * by a new process; the compute provider failing (the deploy fails with the reason in its logs);
 * a deploy that makes no progress (the watchdog fails it). Nothing stuck, nothing run twice.
 */
class DeployFaultsIT {
    static final String REPO = "gantry-demo/go-service";
    static final String TOKEN = "hz-valid-token-0123456789abcdefghijklmnopqrstuvwxyz";
    static final MovableClock clock = new MovableClock();
    static FakeHetzner hetzner;
    static Wiring wiring;
    static PlatformClient api;
    static String token;

    @BeforeAll
    static void start() {
        hetzner = FakeHetzner.start().validToken(TOKEN);
        hetzner.clock(clock);
        wiring = TestStack.newWiring(clock, null, Map.of("GANTRY_HETZNER_API_URL", hetzner.baseUrl().toString(),
                "GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true", "GANTRY_DEPLOY_STUCK_AFTER_SECONDS", "600",
                "GANTRY_ACCESS_TOKEN_TTL_SECONDS", "604800")); // the test moves the clock by hours
        wiring.gitHubApp(new InMemoryGitHubApp().withBuilds(clock, Duration.ofSeconds(4))).rateLimiter(RateLimiter.NONE);
        api = new PlatformClient(wiring);
        var account = api.signupAccount("faults");
        token = account.token();
        wiring.platform().workspaces().changePlan(account.workspace().id(), dev.gantry.shared.plans.Plan.PRO);
    }

    @AfterAll
    static void stop() {
        hetzner.close();
    }

    /** A repo (once), a compute target and an environment whose VM is running. */
    static String readyEnvironment(String name) {
        var repos = api.call("GET", "/v1/repos", null, token).expect(200).json().get("data");
        String repoId = repos.isEmpty() ? api.call("POST", "/v1/repos", "{\"full_name\":\"" + REPO + "\"}", token).expect(201).text("/id")
                : repos.get(0).get("id").asText();
        String ct = api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"" + name + "\",\"api_token\":\"" + TOKEN + "\"}", token)
                .expect(201).text("/id");
        String env = api.call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"" + name + "\",\"compute_target_id\":\"" + ct + "\"}", token)
                .expect(201).text("/id");
        settle(1);
        hetzner.markRunning(PlatformFlowIT.serverOf(env, hetzner));
        settle(1);
        return env;
    }

    /** Drains the queue {@code copies} times per message (a redelivery), moving the clock between rounds. */
    static void settle(int copies) {
        for (int round = 0; round < 30; round++) {
            List<PlatformClient.Sent> batch;
            synchronized (api) {
                batch = new ArrayList<>(api.sent);
                api.sent.clear();
            }
            if (batch.isEmpty()) return;
            var deployRunner = wiring.deployRunner();
            var jobRunner = wiring.jobRunner();
            for (PlatformClient.Sent m : batch) {
                for (int c = 0; c < copies; c++) {
                    if (!deployRunner.handle(m.body())) jobRunner.run(Json.readTree(m.body()).path("job_id").asText());
                }
            }
            // a redelivered message's sends are the same messages again: SQS would carry them twice, dedupe to keep this finite
            synchronized (api) {
                var unique = new LinkedHashSet<>(api.sent);
                api.sent.clear();
                api.sent.addAll(unique);
            }
            clock.now = clock.now.plusSeconds(5);
        }
    }

    static Reply deploy(String id) {
        return api.call("GET", "/v1/deploys/" + id, null, token).expect(200);
    }

    static List<String> logs(String id) {
        return api.call("GET", "/v1/deploys/" + id + "/logs?limit=100", null, token).expect(200).json().get("lines").findValuesAsText("text");
    }

    @Test
    void everyMessageDeliveredTwiceStillRunsEachStepOnce() {
        String env = readyEnvironment("twice");
        int serversBefore = hetzner.servers().size();
        String id = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "a".repeat(40) + "\"}", token).expect(202).text("/id");
        settle(2);
        assertThat(deploy(id).text("/status")).isEqualTo("succeeded");
        List<String> lines = logs(id);
        assertThat(lines.stream().filter(l -> l.startsWith("Dispatched workflow"))).hasSize(1);
        assertThat(lines.stream().filter(l -> l.equals("Started"))).hasSize(1);
        assertThat(lines.stream().filter(l -> l.startsWith("Deployed:"))).hasSize(1);
        assertThat(hetzner.servers()).as("no second VM").hasSize(serversBefore);
    }

    @Test
    void aWorkerThatDiesMidStepIsReplacedAndTheDeployFinishesOnce() {
        String env = readyEnvironment("crash");
        String id = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "b".repeat(40) + "\"}", token).expect(202).text("/id");
        // run until the build is underway
        for (int i = 0; i < 3; i++) api.drain(1);
        assertThat(deploy(id).text("/status")).isIn("building", "provisioning");

        // a process whose DynamoDB writes die when it tries to move the deploy to "deploying": it crashes mid-step
        AtomicBoolean crashed = new AtomicBoolean();
        ExecutionInterceptor dieOnce = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof TransactWriteItemsRequest tx && tx.toString().contains("deploying") && crashed.compareAndSet(false, true)) {
                    throw new IllegalStateException("the worker process was killed");
                }
            }
        };
        Wiring doomed = new Wiring(wiring.config(), clock, TestStack.secrets(), List.of(dieOnce));
        doomed.gitHubApp(wiring.gitHubApp()).queueSender(api).rateLimiter(RateLimiter.NONE);
        DeployRunner doomedRunner = doomed.deployRunner();
        clock.now = clock.now.plusSeconds(10); // the build has finished by now
        List<PlatformClient.Sent> pending;
        synchronized (api) {
            pending = new ArrayList<>(api.sent);
            api.sent.clear();
        }
        List<PlatformClient.Sent> unacked = new ArrayList<>();
        for (PlatformClient.Sent m : pending) {
            try {
                doomedRunner.handle(m.body());
            } catch (IllegalStateException killed) {
                unacked.add(m); // never acknowledged: SQS delivers it again after the visibility timeout
            }
        }
        assertThat(crashed).isTrue();
        assertThat(unacked).hasSize(1);
        assertThat(deploy(id).text("/status")).as("the crash left it where it was").isEqualTo("building");

        // a fresh process (new wiring, empty caches) gets the redelivered message
        synchronized (api) {
            api.sent.addAll(unacked);
        }
        settle(1);
        assertThat(deploy(id).text("/status")).isEqualTo("succeeded");
        assertThat(logs(id).stream().filter(l -> l.equals("Build succeeded"))).hasSize(1);
        assertThat(logs(id).stream().filter(l -> l.startsWith("Deployed:"))).hasSize(1);
    }

    @Test
    void theProviderFailingFailsTheDeployWithTheReasonInItsLogs() {
        String env = readyEnvironment("provider-down");
        // the VM is gone: the next deploy must provision a new one, and the provider is down
        String instance = api.call("GET", "/v1/environments/" + env, null, token).expect(200).text("/instance_id");
        api.call("DELETE", "/v1/instances/" + instance, null, token).expect(202);
        settle(1);
        hetzner.down();
        try {
            String id = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "c".repeat(40) + "\"}", token).expect(202).text("/id");
            settle(1);
            Reply d = deploy(id);
            assertThat(d.text("/status")).isEqualTo("failed");
            assertThat(d.text("/failure_reason")).startsWith("provisioning failed: hetzner").contains("503");
            assertThat(logs(id)).anyMatch(l -> l.startsWith("Failed: provisioning failed"));
            // not stuck: the environment takes the next deploy
            hetzner.up();
            String next = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "d".repeat(40) + "\"}", token).expect(202).text("/id");
            settle(1);
            hetzner.servers().values().stream().filter(s -> env.equals(s.labels().get("gantry_environment")) && !hetzner.deleted().contains(s.id()))
                    .forEach(s -> hetzner.markRunning(s.id()));
            settle(1);
            assertThat(deploy(next).text("/status")).isEqualTo("succeeded");
        } finally {
            hetzner.up();
        }
    }

    @Test
    void aDeployWithNoProgressIsFailedByTheWatchdog() {
        String env = readyEnvironment("stuck");
        // GitHub never finishes this build
        var slowBuilds = new InMemoryGitHubApp().withBuilds(clock, Duration.ofDays(1));
        Wiring slow = new Wiring(wiring.config(), clock, TestStack.secrets(), List.of());
        slow.gitHubApp(slowBuilds).queueSender(api).rateLimiter(RateLimiter.NONE);
        String id = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "e".repeat(40) + "\"}", token).expect(202).text("/id");
        DeployRunner runner = slow.deployRunner();
        for (int round = 0; round < 40 && !deploy(id).text("/status").equals("failed"); round++) {
            List<PlatformClient.Sent> batch;
            synchronized (api) {
                batch = new ArrayList<>(api.sent);
                api.sent.clear();
            }
            for (PlatformClient.Sent m : batch) {
                if (!runner.handle(m.body())) wiring.jobRunner().run(Json.readTree(m.body()).path("job_id").asText());
            }
            clock.now = clock.now.plusSeconds(60);
        }
        Reply d = deploy(id);
        assertThat(d.text("/status")).isEqualTo("failed");
        assertThat(d.text("/failure_reason")).isEqualTo("no progress for 10 minutes while building");
        assertThat(logs(id)).anyMatch(l -> l.startsWith("Failed: no progress"));
    }
}

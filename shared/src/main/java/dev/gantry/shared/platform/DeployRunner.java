package dev.gantry.shared.platform;

import dev.gantry.shared.envvars.EnvResolver;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.GitHubApiException;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Tx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The deploy worker's steps: {@code queued → provisioning → building → deploying → succeeded},
 * or {@code failed | cancelled} on the way. Each queue message names one deploy and the status it
 * expects; a message for a deploy that has moved on does nothing, and every move is a
 * compare-and-set on the status it leaves, so a redelivered message or a worker that died
 * mid-step and is retried never runs a step twice. Side effects that must happen once (the VM
 * create, the workflow dispatch) are recorded before they are made and checked on a retry.
 * A watchdog message per step fails a deploy that makes no progress for {@link #stuckAfter}.
 */
public final class DeployRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DeployRunner.class);
    /** How long to wait between looks at a VM that is starting or a build that is running. */
    public static final int POLL_DELAY_SECONDS = 5;
    /** The workflow the build dispatches (in the customer's repository). */
    public static final String WORKFLOW = "gantry-deploy.yml";
    /** SQS's longest delay. */
    private static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final Platform p;
    private final Provisioner provisioner;
    private final Supplier<GitHubApp> github;
    private final ReleaseDriver release;
    private final EnvResolver resolver;
    private final QueueSender queue;
    private final Duration stuckAfter;
    private final Metrics metrics;

    /** {@code metrics}: each deploy this runner ends counts once in Deploys, by outcome (succeeded, failed, cancelled). */
    public DeployRunner(Platform platform, Provisioner provisioner, Supplier<GitHubApp> github, ReleaseDriver release, EnvResolver resolver,
                        QueueSender queue, Duration stuckAfter, Metrics metrics) {
        this.metrics = metrics;
        this.p = platform;
        this.provisioner = provisioner;
        this.github = github;
        this.release = release;
        this.resolver = resolver;
        this.queue = queue;
        this.stuckAfter = stuckAfter;
    }

    /** Handles one message of the deploys queue with a deploy kind; answers false for a kind it does not know. */
    public boolean handle(String body) {
        var node = Json.readTree(body);
        switch (node.path("kind").asText("")) {
            case "deploy_advance" -> advance(node.path("environment_id").asText());
            case "deploy_step" -> step(node.path("deploy_id").asText(), node.path("status").asText());
            case "deploy_watchdog" -> watchdog(node.path("deploy_id").asText(), node.path("step_seq").asLong());
            default -> { return false; }
        }
        return true;
    }

    static String stepMessage(String deployId, String status) {
        return Json.writeString(Map.of("kind", "deploy_step", "deploy_id", deployId, "status", status));
    }

    static String watchdogMessage(String deployId, long stepSeq) {
        return Json.writeString(Map.of("kind", "deploy_watchdog", "deploy_id", deployId, "step_seq", stepSeq));
    }

    private DeployRepository deploys() { return p.deploys(); }

    private void log(String deployId, String source, String text) {
        deploys().log(deployId, source, text, p.clock().instant());
    }

    /** Starts the environment's waiting deploy when none is running. */
    void advance(String environmentId) {
        EnvironmentRepository.Environment env = p.environments().get(environmentId);
        if (env == null || env.activeDeployId() != null || env.queuedDeployId() == null) return;
        String id = env.queuedDeployId();
        DeployRepository.Deploy queued = deploys().get(id);
        if (queued == null) return;
        Instant now = p.clock().instant();
        Tx tx = new Tx(p.table());
        p.environments().startDeploy(tx, environmentId, id);
        deploys().transition(tx, id, List.of("queued"), "provisioning", Map.of("started_at", Attr.s(now.toString())), now);
        var started = p.events().emit(tx, queued.workspaceId(), "deploy.started", DeployService.View.of(queued).moved("provisioning", null, null, now));
        try {
            tx.commit();
        } catch (ApiException raced) {
            return; // cancelled, superseded or started by another worker meanwhile
        }
        p.events().publish(started);
        log(id, "gantry", "Started");
        next(id, "provisioning", queued.stepSeq() + 1);
    }

    /**
     * Sends the message for the deploy's next step, and the watchdog that fails it if that step
     * stalls. {@code stepSeq}: the deploy's step count after the move just made (every move adds one).
     */
    private void next(String deployId, String status, long stepSeq) {
        queue.send(Platform.JOBS_QUEUE, stepMessage(deployId, status), 0);
        queue.send(Platform.JOBS_QUEUE, watchdogMessage(deployId, stepSeq), (int) Math.min(stuckAfter.toSeconds(), MAX_DELAY.toSeconds()));
    }

    void step(String deployId, String status) {
        DeployRepository.Deploy d = deploys().get(deployId);
        if (d == null || !d.status().equals(status)) return; // moved on already, or finished
        if (d.cancelRequested()) {
            finish(d, "cancelled", "cancelled on request", null);
            return;
        }
        EnvironmentRepository.Environment env = p.environments().get(d.environmentId());
        if (env == null || env.deleting()) {
            finish(d, "failed", "the environment was deleted", null);
            return;
        }
        switch (status) {
            case "provisioning" -> provision(d, env);
            case "building" -> build(d);
            case "deploying" -> deploy(d, env);
            default -> LOG.warn("deploy {} has status {}: no step", deployId, status);
        }
    }

    private void provision(DeployRepository.Deploy d, EnvironmentRepository.Environment env) {
        Provisioner.Outcome outcome = provisioner.step(env);
        switch (outcome.state()) {
            case RUNNING -> {
                if (!move(d, "provisioning", "building", Map.of("instance_id", Attr.s(outcome.instance().id())))) return;
                log(d.id(), "gantry", "VM " + outcome.instance().id() + " is running at " + outcome.instance().ip());
                next(d.id(), "building", d.stepSeq() + 1);
            }
            case PENDING -> {
                if (env.instanceId() == null) log(d.id(), "gantry", "Creating a VM on " + env.provider() + " in " + env.region());
                queue.send(Platform.JOBS_QUEUE, stepMessage(d.id(), "provisioning"), POLL_DELAY_SECONDS);
            }
            case FAILED -> {
                Tx tx = new Tx(p.table());
                provisioner.recordFailure(tx, env, outcome.instance(), outcome.reason());
                tx.commit();
                finish(d, "failed", "provisioning failed: " + outcome.reason(), null);
            }
        }
    }

    private void build(DeployRepository.Deploy d) {
        RepoRepository.Repo repo = p.repos().get(d.repoId());
        if (repo == null) {
            finish(d, "failed", "the repo was disconnected", null);
            return;
        }
        GitHubApp gh = github.get();
        try {
            if (d.buildDispatchedAt() == null && deploys().markBuildDispatched(d.id(), p.clock().instant())) {
                gh.dispatchWorkflow(repo.installationId(), repo.fullName(), WORKFLOW, d.branch() == null ? "main" : d.branch(),
                        Map.of("sha", d.sha(), "deploy_id", d.id(), "message", d.triggerDetail() == null ? "" : d.triggerDetail()));
                log(d.id(), "actions", "Dispatched workflow " + WORKFLOW + " for " + d.sha().substring(0, 7));
            }
            List<GitHubApp.WorkflowRun> runs = gh.workflowRuns(repo.installationId(), repo.fullName(), d.sha());
            GitHubApp.WorkflowRun run = runs.isEmpty() ? null : runs.get(0);
            if (run != null && run.htmlUrl() != null && d.runUrl() == null) {
                deploys().setRunUrl(d.id(), run.htmlUrl());
                log(d.id(), "actions", "Build running: " + run.htmlUrl());
            }
            if (run != null && "completed".equals(run.status())) {
                buildFinished(d.id(), "success".equals(run.conclusion()), run.conclusion(), run.htmlUrl());
            } else {
                queue.send(Platform.JOBS_QUEUE, stepMessage(d.id(), "building"), POLL_DELAY_SECONDS);
            }
        } catch (GitHubApiException e) {
            if (e.kind() == GitHubApiException.Kind.RATE_LIMITED || e.kind() == GitHubApiException.Kind.UNAVAILABLE) {
                int wait = (int) Math.min(MAX_DELAY.toSeconds(), e.retryAfter().map(Duration::toSeconds).orElse((long) POLL_DELAY_SECONDS * 6));
                log(d.id(), "actions", "GitHub: " + e.getMessage() + " (looking again in " + wait + " s)");
                queue.send(Platform.JOBS_QUEUE, stepMessage(d.id(), "building"), wait);
            } else {
                finish(d, "failed", "the build could not start: " + e.getMessage(), null);
            }
        }
    }

    /** The build's run completed (seen by polling or by a {@code workflow_run} webhook, whichever is first). */
    public void buildFinished(String deployId, boolean succeeded, String conclusion, String runUrl) {
        DeployRepository.Deploy d = deploys().get(deployId);
        if (d == null || !d.status().equals("building")) return;
        if (!succeeded) {
            finish(d, "failed", "the build " + (conclusion == null ? "failed" : "ended " + conclusion) + (runUrl == null ? "" : ": " + runUrl), null);
            return;
        }
        if (!move(d, "building", "deploying", Map.of())) return;
        log(deployId, "actions", "Build succeeded");
        next(deployId, "deploying", d.stepSeq() + 1);
    }

    private void deploy(DeployRepository.Deploy d, EnvironmentRepository.Environment env) {
        EnvResolver.ResolvedEnv vars = resolver.resolveForDeploy(d.workspaceId(), env.id());
        if (!vars.complete()) {
            String missing = String.join(", ", vars.unresolved().stream().map(u -> u.alias() + " (secret " + u.secretKey() + ")").toList());
            finish(d, "failed", "unresolved secret bindings: " + missing + " — no shared secret with that key in scope "
                    + vars.secretScope() + " or all", null);
            return;
        }
        InstanceRepository.Instance instance = d.instanceId() == null ? null : p.instances().get(d.instanceId());
        if (instance == null || !instance.status().equals("running")) {
            finish(d, "failed", "the environment's VM is not running", null);
            return;
        }
        ReleaseDriver.Release r;
        try {
            r = release.release(d, instance, vars.variables(), line -> log(d.id(), "release", line));
        } catch (RuntimeException e) {
            finish(d, "failed", "the release failed: " + e.getMessage(), null);
            return;
        }
        finish(d, "succeeded", null, r.appUrl());
    }

    /** A compare-and-set move between two running statuses; false when another worker moved it first. */
    private boolean move(DeployRepository.Deploy d, String from, String to, Map<String, AttributeValue> sets) {
        Tx tx = new Tx(p.table());
        deploys().transition(tx, d.id(), List.of(from), to, sets, p.clock().instant());
        try {
            tx.commit();
            return true;
        } catch (ApiException moved) {
            return false;
        }
    }

    /** Ends the deploy, frees the environment for its waiting deploy, and starts that one. */
    private void finish(DeployRepository.Deploy d, String outcome, String reason, String appUrl) {
        Instant now = p.clock().instant();
        Map<String, AttributeValue> sets = new HashMap<>(Map.of("completed_at", Attr.s(now.toString())));
        if (reason != null) sets.put("failure_reason", Attr.s(reason));
        if (appUrl != null) sets.put("app_url", Attr.s(appUrl));
        Tx tx = new Tx(p.table());
        deploys().transition(tx, d.id(), List.of("provisioning", "building", "deploying"), outcome, sets, now);
        var view = DeployService.View.of(d).moved(outcome, reason, appUrl, now);
        var event = p.events().emit(tx, d.workspaceId(), "deploy." + outcome, view);
        boolean holdsEnvironment = d.startedAt() != null;
        if (holdsEnvironment) p.environments().finishDeploy(tx, d.environmentId(), d.id(), outcome.equals("succeeded"), appUrl, now);
        try {
            tx.commit();
        } catch (ApiException raced) {
            if (!holdsEnvironment) throw raced;
            // the environment is being deleted (or no longer names this deploy): end the deploy alone
            Tx alone = new Tx(p.table());
            deploys().transition(alone, d.id(), List.of("provisioning", "building", "deploying"), outcome, sets, now);
            event = p.events().emit(alone, d.workspaceId(), "deploy." + outcome, view);
            try {
                alone.commit();
            } catch (ApiException finished) {
                return; // another worker finished it
            }
        }
        p.events().publish(event);
        metrics.count(Metrics.DEPLOYS, Metrics.OUTCOME, outcome);
        log(d.id(), "gantry", switch (outcome) {
            case "succeeded" -> "Deployed: " + appUrl;
            case "cancelled" -> "Cancelled";
            default -> "Failed: " + reason;
        });
        queue.send(Platform.JOBS_QUEUE, DeployService.advanceMessage(d.environmentId()), 0);
    }

    /** Fails a deploy still on the same step after {@link #stuckAfter}; otherwise looks again later. */
    void watchdog(String deployId, long stepSeq) {
        DeployRepository.Deploy d = deploys().get(deployId);
        if (d == null || d.terminal() || d.stepSeq() != stepSeq) return;
        Duration idle = Duration.between(d.updatedAt(), p.clock().instant());
        if (idle.compareTo(stuckAfter) >= 0) {
            finish(d, "failed", "no progress for " + stuckAfter.toMinutes() + " minutes while " + d.status(), null);
        } else {
            long wait = Math.min(stuckAfter.minus(idle).toSeconds() + 1, MAX_DELAY.toSeconds());
            queue.send(Platform.JOBS_QUEUE, watchdogMessage(deployId, stepSeq), (int) wait);
        }
    }
}

package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.GitHubApiException;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Tx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Deploys (API.md §9): created by a push, by the API or by a rollback; listed, read, cancelled,
 * and their logs. A new deploy becomes the environment's waiting one in the same transaction that
 * supersedes the deploy that was waiting before it; the deploy worker ({@link DeployRunner}) starts
 * it when the environment's running deploy is over.
 */
public final class DeployService {
    private static final Logger LOG = LoggerFactory.getLogger(DeployService.class);

    private final Platform p;
    private final DeployRepository deploys;
    private final RepoService repos;
    private final EnvironmentService environments;
    private final Supplier<GitHubApp> github;
    private final Function<String, List<RepoRepository.Repo>> reposByFullName;
    private final Metrics metrics;

    /** {@code metrics}: the deploys that end here (superseded, or cancelled before they started) count in Deploys by outcome. */
    public DeployService(Platform platform, RepoService repos, EnvironmentService environments, Supplier<GitHubApp> github,
                         Function<String, List<RepoRepository.Repo>> reposByFullName, Metrics metrics) {
        this.metrics = metrics;
        this.p = platform;
        this.deploys = platform.deploys();
        this.repos = repos;
        this.environments = environments;
        this.github = github;
        this.reposByFullName = reposByFullName;
    }

    /** VMKit's deploy shape, plus ids and Gantry's own fields. */
    public record View(String id, String repoId, String repoFullName, String environmentId, String environmentName, String status, String sha,
                       String branch, String triggeredBy, String runUrl, String appUrl, String instanceId, String failureReason,
                       String rollbackOf, String createdAt, String startedAt, String completedAt) {
        public static View of(DeployRepository.Deploy d) {
            return new View(d.id(), d.repoId(), d.repoFullName(), d.environmentId(), d.environmentName(), d.status(), d.sha(), d.branch(),
                    d.triggeredBy(), d.runUrl(), d.appUrl(), d.instanceId(), d.failureReason(), d.rollbackOf(), str(d.createdAt()),
                    str(d.startedAt()), str(d.completedAt()));
        }

        private static String str(Instant t) { return t == null ? null : t.toString(); }

        /** The deploy as a status change leaves it (what its webhook event carries). */
        public View moved(String toStatus, String reason, String app, Instant at) {
            boolean done = DeployRepository.TERMINAL.contains(toStatus);
            return new View(id, repoId, repoFullName, environmentId, environmentName, toStatus, sha, branch, triggeredBy, runUrl,
                    app != null ? app : appUrl, instanceId, reason != null ? reason : failureReason, rollbackOf, createdAt,
                    startedAt != null ? startedAt : (toStatus.equals("provisioning") ? str(at) : null), done ? str(at) : completedAt);
        }
    }

    public record Cancelling(String status) {}

    public record Logs(List<DeployRepository.LogLine> lines, String nextCursor) {}

    /** The body of a deploy queue message that asks the worker to start the environment's waiting deploy. */
    static String advanceMessage(String environmentId) {
        return Json.writeString(Map.of("kind", "deploy_advance", "environment_id", environmentId));
    }

    // --- creating ----------------------------------------------------------------------------------

    /** {@code POST /v1/environments/{id}/deploys {sha?}}: the sha, or the head of the environment's branch. */
    public View create(Principal principal, String environmentId, String sha, Caller caller) {
        EnvironmentRepository.Environment env = environments.require(principal, environmentId);
        RepoRepository.Repo repo = p.repos().get(env.repoId());
        if (repo == null) throw ApiException.conflict("conflict", "The environment's repo was disconnected; connect it again to deploy.");
        String resolved = sha;
        if (resolved == null) {
            try {
                resolved = github.get().commitSha(repo.installationId(), repo.fullName(), env.branch());
            } catch (GitHubApiException e) {
                throw e.kind() == GitHubApiException.Kind.NOT_FOUND
                        ? ApiException.validation("sha", "the branch " + env.branch() + " was not found on GitHub; give a sha")
                        : ApiException.unavailable("GitHub could not tell the head of " + env.branch() + " (" + e.getMessage() + ")");
            }
        }
        return View.of(queue(env, repo, resolved, env.branch(), "api", actorOf(caller), null, caller));
    }

    private static String actorOf(Caller caller) {
        return caller == null || caller.principal() == null ? null : caller.principal().actorType() + ":" + caller.principal().actorId();
    }

    /**
     * The one way a deploy is created: it becomes the environment's waiting deploy, superseding the
     * one that was waiting (compare-and-set on the environment's pointer; retried once on a race).
     */
    DeployRepository.Deploy queue(EnvironmentRepository.Environment env, RepoRepository.Repo repo, String sha, String branch, String triggeredBy,
                                  String detail, String rollbackOf, Caller caller) {
        return queue(env, repo, sha, branch, triggeredBy, detail, rollbackOf, caller, null);
    }

    DeployRepository.Deploy queue(EnvironmentRepository.Environment env, RepoRepository.Repo repo, String sha, String branch, String triggeredBy,
                                  String detail, String rollbackOf, Caller caller, String deliveryId) {
        for (int attempt = 1; ; attempt++) {
            EnvironmentRepository.Environment current = p.environments().get(env.id());
            if (current == null || current.deleting()) throw ApiException.notFound("environment");
            Instant now = p.clock().instant();
            var d = new DeployRepository.Deploy(Ids.newId("dep", now), env.workspaceId(), repo.id(), repo.fullName(), env.id(), current.name(),
                    "queued", sha, branch, triggeredBy, detail, null, null, null, null, false, rollbackOf, now, null, null, now, null, 0);
            Tx tx = new Tx(p.table());
            deploys.create(tx, d, deliveryId);
            String previous = current.queuedDeployId();
            if (previous != null) {
                deploys.transition(tx, previous, List.of("queued"), "superseded",
                        Map.of("completed_at", Attr.s(now.toString()), "failure_reason", Attr.s("superseded by " + d.id())), now);
            }
            p.environments().queueDeploy(tx, env.id(), d.id(), previous);
            Outbox.Message advance = p.outbox().add(tx, Platform.JOBS_QUEUE, advanceMessage(env.id()), 0);
            Outbox.Message queuedEvent = p.events().emit(tx, env.workspaceId(), "deploy.queued", View.of(d));
            if (caller != null) {
                p.audit().record(tx, caller, null, env.workspaceId(), "deploy.created", "deploy", d.id(), Map.of("sha", sha, "triggered_by", triggeredBy));
            }
            try {
                tx.commit();
            } catch (ApiException e) {
                if (e.status() == 409 && attempt < 3) continue;
                throw e;
            }
            p.outbox().publish(List.of(advance, queuedEvent));
            deploys.log(d.id(), "gantry", "Queued: " + sha.substring(0, Math.min(7, sha.length())) + " of " + repo.fullName()
                    + (branch == null ? "" : " (" + branch + ")") + ", triggered by " + triggeredBy + (detail == null ? "" : " (" + detail + ")"), now);
            if (previous != null) {
                deploys.log(previous, "gantry", "Superseded by " + d.id() + " before it started", now);
                metrics.count(Metrics.DEPLOYS, Metrics.OUTCOME, "superseded");
            }
            return d;
        }
    }

    /** A push to GitHub: one deploy for every auto-deploying environment whose branch it updated, in every workspace that connected the repo. */
    public List<String> onPush(String repoFullName, String branch, String sha, boolean deleted, String pusher, String message) {
        return onPush(null, repoFullName, branch, sha, deleted, pusher, message);
    }

    /**
     * As above, for one GitHub delivery: a delivery processed again (its first processing died
     * before it was recorded complete) finds the deploys it already created and creates no more.
     */
    public List<String> onPush(String deliveryId, String repoFullName, String branch, String sha, boolean deleted, String pusher, String message) {
        List<String> created = new ArrayList<>();
        if (branch == null || deleted || sha == null || sha.matches("0{40}")) return created;
        for (RepoRepository.Repo repo : reposByFullName.apply(repoFullName)) {
            for (var row : p.table().allGsi1(dev.gantry.shared.store.Keys.repoEnvironments(repo.id()))) {
                var env = EnvironmentRepository.fromItem(row);
                if (!env.autoDeploy() || !branch.equals(env.branch()) || env.deleting()) continue;
                String detail = (pusher == null ? "" : "pushed by " + pusher) + (message == null ? "" : ": " + firstLine(message));
                if (deliveryId != null) {
                    var earlier = deploys.list(DeployRepository.ListBy.environment(env.id()), Map.of("delivery_id", deliveryId), 20, null);
                    if (!earlier.deploys().isEmpty()) {
                        created.add(earlier.deploys().get(0).id());
                        continue;
                    }
                }
                try {
                    created.add(queue(env, repo, sha, branch, "push", detail.isEmpty() ? null : detail, null, null, deliveryId).id());
                } catch (ApiException e) {
                    LOG.warn("push to {} {}: no deploy for environment {}: {}", repoFullName, branch, env.id(), e.getMessage());
                }
            }
        }
        return created;
    }

    private static String firstLine(String message) {
        String line = message.lines().findFirst().orElse("");
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }

    // --- reading -----------------------------------------------------------------------------------

    public DeployRepository.Deploy require(Principal principal, String id) {
        DeployRepository.Deploy d = Ids.isValid("dep", id) ? deploys.get(id) : null;
        if (d == null || !d.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("deploy");
        return d;
    }

    /** Newest first; {@code environmentId} or {@code repoId} choose the index, {@code status} filters. */
    public Page<View> list(Principal principal, String environmentId, String repoId, String status, int limit, String cursor) {
        DeployRepository.ListBy by;
        Map<String, String> filters = new LinkedHashMap<>();
        if (environmentId != null) {
            environments.require(principal, environmentId);
            by = DeployRepository.ListBy.environment(environmentId);
            if (repoId != null) filters.put("repo_id", repoId);
        } else if (repoId != null) {
            repos.require(principal, repoId);
            by = DeployRepository.ListBy.repo(repoId);
        } else {
            by = DeployRepository.ListBy.workspace(principal.workspaceId());
        }
        if (status != null) filters.put("status", status);
        filters.put("workspace_id", principal.workspaceId());
        String scope = "deploys:" + principal.workspaceId() + ":" + environmentId + ":" + repoId + ":" + status;
        var slice = deploys.list(by, filters, limit, p.cursors().decode(scope, cursor));
        return new Page<>(slice.deploys().stream().map(View::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }

    public Logs logs(Principal principal, String id, int limit, String cursor) {
        require(principal, id);
        String scope = "deploy_logs:" + id;
        var slice = deploys.logs(id, limit, p.cursors().decode(scope, cursor));
        return new Logs(slice.lines(), p.cursors().encode(scope, slice.lastKey()));
    }

    // --- cancel and rollback -------------------------------------------------------------------------

    /** A waiting deploy is cancelled at once; a running one at its next step boundary. */
    public Cancelling cancel(Principal principal, String id, Caller caller) {
        DeployRepository.Deploy d = require(principal, id);
        if (d.terminal()) throw ApiException.conflict("deploy_already_terminal", "This deploy is already " + d.status() + ".");
        Instant now = p.clock().instant();
        Tx tx = new Tx(p.table());
        Outbox.Message cancelledEvent = null;
        if (d.status().equals("queued")) {
            deploys.transition(tx, id, List.of("queued"), "cancelled",
                    Map.of("completed_at", Attr.s(now.toString()), "failure_reason", Attr.s("cancelled before it started")), now);
            p.environments().unqueueDeploy(tx, d.environmentId(), id);
            cancelledEvent = p.events().emit(tx, d.workspaceId(), "deploy.cancelled", View.of(d).moved("cancelled", "cancelled before it started", null, now));
        } else {
            deploys.requestCancel(tx, id);
        }
        p.audit().record(tx, caller, null, principal.workspaceId(), "deploy.cancelled", "deploy", id, Map.of());
        try {
            tx.commit();
        } catch (ApiException e) {
            DeployRepository.Deploy now2 = deploys.get(id);
            if (now2 != null && now2.terminal()) throw ApiException.conflict("deploy_already_terminal", "This deploy is already " + now2.status() + ".");
            throw e;
        }
        if (cancelledEvent != null) {
            p.outbox().publish(List.of(cancelledEvent));
            metrics.count(Metrics.DEPLOYS, Metrics.OUTCOME, "cancelled");
        }
        deploys.log(id, "gantry", d.status().equals("queued") ? "Cancelled before it started" : "Cancellation requested", now);
        return new Cancelling("cancelling");
    }

    /** A new deploy of the last sha that succeeded in the environment before {@code id}; 409 when there is none. */
    public View rollback(Principal principal, String id, Caller caller) {
        DeployRepository.Deploy d = require(principal, id);
        DeployRepository.Deploy target = null;
        Map<String, AttributeValue> start = null;
        outer:
        do {
            var slice = deploys.list(DeployRepository.ListBy.environment(d.environmentId()), Map.of("status", "succeeded"), 100, start);
            for (DeployRepository.Deploy candidate : slice.deploys()) {
                if (candidate.id().compareTo(d.id()) < 0 && candidate.sha() != null) {
                    target = candidate;
                    break outer;
                }
            }
            start = slice.lastKey();
        } while (start != null);
        if (target == null) throw ApiException.conflict("conflict", "No deploy of this environment succeeded before " + id + ": nothing to roll back to.");
        EnvironmentRepository.Environment env = environments.require(principal, d.environmentId());
        RepoRepository.Repo repo = p.repos().get(env.repoId());
        if (repo == null) throw ApiException.conflict("conflict", "The environment's repo was disconnected; connect it again to deploy.");
        return View.of(queue(env, repo, target.sha(), target.branch(), "rollback", "to " + target.id(), id, caller));
    }

    // --- GitHub Actions ----------------------------------------------------------------------------

    /**
     * A {@code workflow_run} webhook: the building deploys of that repo and commit learn their run's
     * URL, and a completed run moves them on (the same compare-and-set as the worker's own polling,
     * so whichever comes first wins and the other does nothing).
     */
    public void onWorkflowRun(String repoFullName, String headSha, String status, String conclusion, String htmlUrl, DeployRunner runner) {
        for (RepoRepository.Repo repo : reposByFullName.apply(repoFullName)) {
            var slice = deploys.list(DeployRepository.ListBy.repo(repo.id()), Map.of("status", "building", "sha", headSha), 50, null);
            for (DeployRepository.Deploy d : slice.deploys()) {
                if (htmlUrl != null && d.runUrl() == null) deploys.setRunUrl(d.id(), htmlUrl);
                if ("completed".equals(status)) runner.buildFinished(d.id(), "success".equals(conclusion), conclusion, htmlUrl);
            }
        }
    }
}

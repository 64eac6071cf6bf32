package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Environments (API.md §7). Creating one reserves the quota, references its compute target and
 * queues the job that provisions its VM, all in one transaction; deleting one queues the job that
 * destroys the VM and then removes the environment.
 */
public final class EnvironmentService {
    public static final List<String> SECRET_SCOPES = List.of("production", "staging", "development");

    private final Platform p;
    private final RepoService repos;
    private final ComputeTargetService computeTargets;

    public EnvironmentService(Platform platform, RepoService repos, ComputeTargetService computeTargets) {
        this.p = platform;
        this.repos = repos;
        this.computeTargets = computeTargets;
    }

    /** VMKit's full environment shape, plus Gantry's own fields. */
    public record View(String id, String name, String status, String statusReason, String appUrl, String instanceId, String repoId,
                       String repoFullName, String computeTargetId, String provider, String region, String instanceType, String branch,
                       boolean autoDeploy, String secretScope, String createdAt, String updatedAt, String lastDeployedAt) {
        public static View of(EnvironmentRepository.Environment e) {
            return new View(e.id(), e.name(), e.status(), e.statusReason(), e.appUrl(), e.instanceId(), e.repoId(), e.repoFullName(),
                    e.computeTargetId(), e.provider(), e.region(), e.instanceType(), e.branch(), e.autoDeploy(), e.secretScope(),
                    e.createdAt().toString(), e.updatedAt() == null ? null : e.updatedAt().toString(),
                    e.lastDeployedAt() == null ? null : e.lastDeployedAt().toString());
        }
    }

    public record CreateInput(String name, String computeTargetId, String region, String instanceType, String branch, Boolean autoDeploy,
                              String secretScope) {}

    /** The scope an environment's bound secrets resolve in, by its name (API.md §7). */
    public static String defaultSecretScope(String environmentName) {
        return switch (environmentName) {
            case "production" -> "production";
            case "staging" -> "staging";
            default -> "development";
        };
    }

    public View create(Principal principal, String repoId, CreateInput in, Caller caller) {
        RepoRepository.Repo repo = repos.require(principal, repoId);
        ComputeTargetRepository.ComputeTarget target = computeTargets.require(principal, in.computeTargetId());
        var provider = computeTargets.provider(target.provider());
        WorkspaceRepository.Workspace ws = p.workspaces().get(principal.workspaceId(), true);
        if (ws == null) throw ApiException.notFound("workspace");
        Instant now = p.clock().instant();
        String id = Ids.newId("env", now);
        var env = new EnvironmentRepository.Environment(id, ws.id(), repo.id(), repo.fullName(), in.name(), target.id(), target.provider(),
                in.region() != null ? in.region() : target.defaultRegion(),
                in.instanceType() != null ? in.instanceType() : provider.defaultInstanceType(),
                in.branch() != null ? in.branch() : "main", in.autoDeploy() == null || in.autoDeploy(), "pending", null, null,
                in.secretScope() != null ? in.secretScope() : defaultSecretScope(in.name()), now, now, null, null, 1, null, null);
        Tx tx = new Tx(p.table());
        p.workspaces().reserve(tx, ws, Plan.Resource.ENVIRONMENTS);
        p.environments().create(tx, env);
        p.computeTargets().addReference(tx, target.id(), ws.id());
        Jobs.Started start = Jobs.enqueue(p, tx, ws.id(), JobRepository.PROVISION, id, null, now);
        p.audit().record(tx, caller, null, ws.id(), "environment.created", "environment", id, Map.of("name", in.name(), "repo_id", repo.id()));
        var created = p.events().emit(tx, ws.id(), "environment.created", View.of(env));
        tx.commit();
        p.outbox().publish(List.of(start.message(), created));
        return View.of(env);
    }

    /** The environment, when it is the caller's workspace's; else 404 environment_not_found. */
    public EnvironmentRepository.Environment require(Principal principal, String id) {
        EnvironmentRepository.Environment e = Ids.isValid("env", id) ? p.environments().get(id) : null;
        if (e == null || !e.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("environment");
        return e;
    }

    public Page<View> listByRepo(Principal principal, String repoId, int limit, String cursor) {
        repos.require(principal, repoId);
        String scope = "environments:" + principal.workspaceId() + ":" + repoId;
        var slice = p.environments().listByRepo(repoId, limit, p.cursors().decode(scope, cursor));
        return new Page<>(slice.environments().stream().map(View::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }

    public View update(Principal principal, String id, EnvironmentRepository.Changes changes, Long expectedVersion, Caller caller) {
        EnvironmentRepository.Environment current = require(principal, id);
        if (current.deleting()) throw ApiException.conflict("conflict", "This environment is being deleted.");
        Tx tx = new Tx(p.table());
        p.environments().update(tx, current, changes, expectedVersion, p.clock().instant());
        p.audit().record(tx, caller, null, principal.workspaceId(), "environment.updated", "environment", id, Map.of());
        tx.commit();
        return View.of(p.environments().get(id));
    }

    /** Marks the environment deleting and queues the job that destroys its VM and removes it. */
    public void delete(Principal principal, String id, Long expectedVersion, Caller caller) {
        EnvironmentRepository.Environment current = require(principal, id);
        Instant now = p.clock().instant();
        Tx tx = new Tx(p.table());
        p.environments().markDeleting(tx, id, expectedVersion, now);
        Jobs.Started start = Jobs.enqueue(p, tx, principal.workspaceId(), JobRepository.DESTROY, id, current.instanceId(), now);
        p.audit().record(tx, caller, null, principal.workspaceId(), "environment.deleted", "environment", id, Map.of("name", current.name()));
        tx.commit();
        p.outbox().publish(List.of(start.message()));
    }
}

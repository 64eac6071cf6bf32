package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Environments. The item is keyed by id (GET/PATCH/DELETE by id are one read); a repo's
 * environments are on GSI1; a claim item makes the name unique within the repo. The item also
 * carries the env-var set pointer and the bindings version (see docs/data-model.md, env vars).
 */
public final class EnvironmentRepository {
    private final Table table;

    public EnvironmentRepository(Table table) {
        this.table = table;
    }

    public record Environment(String id, String workspaceId, String repoId, String repoFullName, String name, String computeTargetId,
                              String provider, String region, String instanceType, String branch, boolean autoDeploy, String status,
                              String appUrl, String instanceId, String secretScope, Instant createdAt, Instant updatedAt,
                              Instant lastDeployedAt, String statusReason, long version, String activeDeployId, String queuedDeployId) {
        public boolean deleting() { return "deleting".equals(status); }
    }

    public record Slice(List<Environment> environments, Map<String, AttributeValue> lastKey) {}

    /** The changes a PATCH asks for; null fields are left alone. */
    public record Changes(String name, String instanceType, String branch, Boolean autoDeploy, String secretScope) {}

    public void create(Tx tx, Environment e) {
        tx.create(new Item(Keys.environment(e.id())).s("type", "environment").s("id", e.id()).s("workspace_id", e.workspaceId())
                .s("repo_id", e.repoId()).s("repo_full_name", e.repoFullName()).s("name", e.name())
                .s("compute_target_id", e.computeTargetId()).s("provider", e.provider()).s("region", e.region())
                .s("instance_type", e.instanceType()).s("branch", e.branch()).bool("auto_deploy", e.autoDeploy()).s("status", e.status())
                .s("secret_scope", e.secretScope()).t("created_at", e.createdAt()).t("updated_at", e.createdAt()).n("ver", 1)
                .gsi1(Keys.repoEnvironments(e.repoId()), e.id()).map(),
                () -> ApiException.conflict("conflict", "Environment id collision; try again."));
        claimName(tx, e.repoId(), e.name(), e.id());
    }

    private void claimName(Tx tx, String repoId, String name, String environmentId) {
        tx.create(new Item(Keys.environmentName(repoId, name)).s("type", "environment_name").s("environment_id", environmentId).map(),
                () -> ApiException.conflict("already_exists", "This repo already has an environment named " + name + ".",
                        Map.of("field", "name")));
    }

    public Environment get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.environment(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice listByRepo(String repoId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.repoEnvironments(repoId), limit, start);
        return new Slice(s.items().stream().map(EnvironmentRepository::fromItem).toList(), s.lastKey());
    }

    /** Applies a PATCH; a rename moves the name claim in the same transaction. */
    public void update(Tx tx, Environment current, Changes changes, Long expectedVersion, Instant now) {
        List<String> sets = new ArrayList<>(List.of("#ver = #ver + :one", "updated_at = :now"));
        ItemVersion.Check c = ItemVersion.condition(expectedVersion, "attribute_exists(" + Keys.PK + ") AND #status <> :deleting");
        Map<String, String> names = c.names();
        Map<String, AttributeValue> values = c.values();
        names.put("#ver", "ver");
        names.put("#status", "status");
        values.put(":one", Attr.n(1));
        values.put(":now", Attr.s(now.toString()));
        values.put(":deleting", Attr.s("deleting"));
        if (changes.name() != null) { sets.add("#name = :name"); names.put("#name", "name"); values.put(":name", Attr.s(changes.name())); }
        if (changes.instanceType() != null) { sets.add("instance_type = :it"); values.put(":it", Attr.s(changes.instanceType())); }
        if (changes.branch() != null) { sets.add("branch = :br"); values.put(":br", Attr.s(changes.branch())); }
        if (changes.autoDeploy() != null) { sets.add("auto_deploy = :ad"); values.put(":ad", Attr.bool(changes.autoDeploy())); }
        if (changes.secretScope() != null) { sets.add("secret_scope = :sc"); values.put(":sc", Attr.s(changes.secretScope())); }
        tx.update(Keys.environment(current.id()), "SET " + String.join(", ", sets), c.condition(), names, values,
                ItemVersion.failure(expectedVersion, () -> ApiException.notFound("environment")));
        if (changes.name() != null && !changes.name().equals(current.name())) {
            tx.delete(Keys.environmentName(current.repoId(), current.name()), null, null, null, null);
            claimName(tx, current.repoId(), changes.name(), current.id());
        }
    }

    /** Starts a deletion: the environment answers {@code deleting} until its job removes it. */
    public void markDeleting(Tx tx, String id, Long expectedVersion, Instant now) {
        ItemVersion.Check c = ItemVersion.condition(expectedVersion, "attribute_exists(" + Keys.PK + ") AND #status <> :deleting");
        c.names().put("#status", "status");
        c.names().put("#ver", "ver");
        c.values().putAll(Tx.values(":deleting", Attr.s("deleting"), ":one", Attr.n(1), ":now", Attr.s(now.toString()), ":t", Attr.bool(true)));
        // "deleting = true" is what the env-var, secret-binding and resolver code read: the environment is gone for them
        tx.update(Keys.environment(id), "SET #status = :deleting, deleting = :t, #ver = #ver + :one, updated_at = :now REMOVE status_reason",
                c.condition(), c.names(), c.values(), () -> {
                    Environment e = get(id);
                    if (e == null) return ApiException.notFound("environment");
                    if (e.deleting()) return ApiException.conflict("conflict", "This environment is already being deleted.");
                    return ApiException.preconditionFailed(null);
                });
    }

    /** Sets status (and optionally reason, instance, app URL) from a job; bumps the version. */
    public void setStatus(Tx tx, String id, String status, String reason, String instanceId, String appUrl, Instant now) {
        Map<String, String> names = new HashMap<>(Map.of("#status", "status", "#ver", "ver"));
        Map<String, AttributeValue> values = new HashMap<>(Tx.values(":s", Attr.s(status), ":one", Attr.n(1), ":now", Attr.s(now.toString())));
        List<String> sets = new ArrayList<>(List.of("#status = :s", "#ver = #ver + :one", "updated_at = :now"));
        List<String> removes = new ArrayList<>();
        if (reason != null) { sets.add("status_reason = :r"); values.put(":r", Attr.s(reason)); } else removes.add("status_reason");
        if (instanceId != null) { sets.add("instance_id = :i"); values.put(":i", Attr.s(instanceId)); }
        if (appUrl != null) { sets.add("app_url = :u"); values.put(":u", Attr.s(appUrl)); }
        String expr = "SET " + String.join(", ", sets) + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
        tx.update(Keys.environment(id), expr, "attribute_exists(" + Keys.PK + ")", names, values, () -> ApiException.notFound("environment"));
    }

    // --- deploy pointers: at most one running deploy per environment, at most one waiting ---------

    /**
     * Makes {@code deployId} the environment's waiting deploy, in place of {@code previousQueued}
     * (null: none was waiting), which the caller supersedes in the same transaction.
     */
    public void queueDeploy(Tx tx, String envId, String deployId, String previousQueued) {
        String cond = "attribute_exists(" + Keys.PK + ") AND attribute_not_exists(deleting) AND "
                + (previousQueued == null ? "attribute_not_exists(queued_deploy_id)" : "queued_deploy_id = :prev");
        Map<String, AttributeValue> values = new HashMap<>(Tx.values(":d", Attr.s(deployId)));
        if (previousQueued != null) values.put(":prev", Attr.s(previousQueued));
        tx.update(Keys.environment(envId), "SET queued_deploy_id = :d", cond, null, values,
                () -> ApiException.conflict("conflict", "Another deploy of this environment was queued at the same time; try again."));
    }

    /** The waiting deploy starts: it must still be the waiting one, and none may be running. */
    public void startDeploy(Tx tx, String envId, String deployId) {
        tx.update(Keys.environment(envId), "SET active_deploy_id = :d REMOVE queued_deploy_id",
                "attribute_exists(" + Keys.PK + ") AND attribute_not_exists(active_deploy_id) AND queued_deploy_id = :d",
                null, Tx.values(":d", Attr.s(deployId)), () -> ApiException.conflict("conflict", "The environment is busy."));
    }

    /** Clears the waiting deploy (it was cancelled before it started). */
    public void unqueueDeploy(Tx tx, String envId, String deployId) {
        tx.update(Keys.environment(envId), "REMOVE queued_deploy_id", "queued_deploy_id = :d", null, Tx.values(":d", Attr.s(deployId)),
                () -> ApiException.conflict("conflict", "The deploy is no longer waiting."));
    }

    /** The running deploy is over; a success also records what is live. */
    public void finishDeploy(Tx tx, String envId, String deployId, boolean succeeded, String appUrl, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>(Tx.values(":d", Attr.s(deployId)));
        String set = "REMOVE active_deploy_id";
        if (succeeded) {
            values.put(":now", Attr.s(now.toString()));
            values.put(":one", Attr.n(1));
            set = "SET last_deployed_at = :now, #status = :live, app_url = :url, #ver = #ver + :one, updated_at = :now REMOVE active_deploy_id";
            values.put(":live", Attr.s("live"));
            values.put(":url", Attr.sOrNull(appUrl));
        }
        tx.update(Keys.environment(envId), set, "active_deploy_id = :d AND attribute_not_exists(deleting)",
                succeeded ? Map.of("#status", "status", "#ver", "ver") : null, values,
                () -> ApiException.conflict("conflict", "The deploy is not the environment's running one."));
    }

    /** Removes the environment and its name claim (the last step of its deletion job). */
    public void remove(Tx tx, Environment e) {
        tx.delete(Keys.environment(e.id()), null, null, null, null);
        tx.delete(Keys.environmentName(e.repoId(), e.name()), null, null, null, null);
    }

    static Environment fromItem(Map<String, AttributeValue> item) {
        return new Environment(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "repo_id"), Attr.str(item, "repo_full_name"),
                Attr.str(item, "name"), Attr.str(item, "compute_target_id"), Attr.str(item, "provider"), Attr.str(item, "region"),
                Attr.str(item, "instance_type"), Attr.str(item, "branch"), Attr.flag(item, "auto_deploy"), Attr.str(item, "status"),
                Attr.str(item, "app_url"), Attr.str(item, "instance_id"), Attr.str(item, "secret_scope"), Item.instant(item, "created_at"),
                Item.instant(item, "updated_at"), Item.instant(item, "last_deployed_at"), Attr.str(item, "status_reason"), Attr.num(item, "ver"),
                Attr.str(item, "active_deploy_id"), Attr.str(item, "queued_deploy_id"));
    }
}

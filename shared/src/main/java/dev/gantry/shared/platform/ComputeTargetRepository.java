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
import java.util.List;
import java.util.Map;

/**
 * Compute targets: a customer's cloud account. The provider token is stored only as envelope
 * ciphertext. {@code env_refs} counts the environments that use the target, kept in the same
 * transactions that create and delete environments, so "delete only when unused" is a condition.
 */
public final class ComputeTargetRepository {
    private final Table table;

    public ComputeTargetRepository(Table table) {
        this.table = table;
    }

    public record ComputeTarget(String id, String workspaceId, String provider, String name, String status, String defaultRegion,
                                String tokenCiphertext, long envRefs, Instant createdAt, long version) {}

    public record Slice(List<ComputeTarget> targets, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, ComputeTarget t) {
        tx.create(new Item(Keys.computeTarget(t.id())).s("type", "compute_target").s("id", t.id()).s("workspace_id", t.workspaceId())
                .s("provider", t.provider()).s("name", t.name()).s("status", t.status()).s("default_region", t.defaultRegion())
                .s("token_ct", t.tokenCiphertext()).n("env_refs", 0).t("created_at", t.createdAt()).n("ver", 1)
                .gsi1(Keys.workspaceComputeTargets(t.workspaceId()), t.id()).map(),
                () -> ApiException.conflict("conflict", "Compute target id collision; try again."));
    }

    public ComputeTarget get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.computeTarget(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.workspaceComputeTargets(workspaceId), limit, start);
        return new Slice(s.items().stream().map(ComputeTargetRepository::fromItem).toList(), s.lastKey());
    }

    /** An environment starts using the target (which must exist in the workspace). */
    public void addReference(Tx tx, String id, String workspaceId) {
        tx.update(Keys.computeTarget(id), "SET env_refs = env_refs + :one", "attribute_exists(" + Keys.PK + ") AND workspace_id = :ws",
                null, Tx.values(":one", Attr.n(1), ":ws", Attr.s(workspaceId)), () -> ApiException.notFound("compute_target"));
    }

    public void removeReference(Tx tx, String id) {
        tx.update(Keys.computeTarget(id), "SET env_refs = env_refs - :one", "attribute_exists(" + Keys.PK + ") AND env_refs > :zero",
                null, Tx.values(":one", Attr.n(1), ":zero", Attr.n(0)), null);
    }

    /** Deletes an unused target: 409 compute_target_in_use while an environment references it. */
    public void delete(Tx tx, String id, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.condition(expectedVersion, "attribute_exists(" + Keys.PK + ") AND env_refs = :zero");
        c.values().put(":zero", Attr.n(0));
        tx.delete(Keys.computeTarget(id), c.condition(), c.names(), c.values(), () -> {
            ComputeTarget now = get(id);
            if (now == null) return ApiException.notFound("compute_target");
            if (now.envRefs() > 0) {
                return ApiException.conflict("compute_target_in_use", "This compute target is used by " + now.envRefs()
                        + " environment(s); delete or move them first.", Map.of("environments", now.envRefs()));
            }
            return ApiException.preconditionFailed(null);
        });
    }

    static ComputeTarget fromItem(Map<String, AttributeValue> item) {
        return new ComputeTarget(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "provider"), Attr.str(item, "name"),
                Attr.str(item, "status"), Attr.str(item, "default_region"), Attr.str(item, "token_ct"), Attr.num(item, "env_refs"),
                Item.instant(item, "created_at"), Attr.num(item, "ver"));
    }
}

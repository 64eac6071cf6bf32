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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Instances: the VMs Gantry created on a customer's compute target, one per environment. */
public final class InstanceRepository {
    private final Table table;

    public InstanceRepository(Table table) {
        this.table = table;
    }

    public record Instance(String id, String workspaceId, String environmentId, String computeTargetId, String provider,
                           String providerServerId, String region, String instanceType, String ip, String status, String statusReason,
                           Instant createdAt, Instant updatedAt, long version) {}

    public record Slice(List<Instance> instances, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, Instance i) {
        tx.create(new Item(Keys.instance(i.id())).s("type", "instance").s("id", i.id()).s("workspace_id", i.workspaceId())
                .s("environment_id", i.environmentId()).s("compute_target_id", i.computeTargetId()).s("provider", i.provider())
                .s("provider_server_id", i.providerServerId()).s("region", i.region()).s("instance_type", i.instanceType())
                .s("ip", i.ip()).s("status", i.status()).t("created_at", i.createdAt()).t("updated_at", i.createdAt()).n("ver", 1)
                .gsi1(Keys.workspaceInstances(i.workspaceId()), i.id()).map(),
                () -> ApiException.conflict("conflict", "Instance id collision; try again."));
    }

    public Instance get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.instance(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.workspaceInstances(workspaceId), limit, start);
        return new Slice(s.items().stream().map(InstanceRepository::fromItem).toList(), s.lastKey());
    }

    /**
     * Moves the instance to {@code status} (with the IP once known). {@code onlyFrom}: the statuses
     * it may move from (null: any), which makes "destroy" a compare-and-set an API caller can race.
     */
    public void setStatus(Tx tx, String id, String status, String ip, String reason, Long expectedVersion, List<String> onlyFrom, Instant now) {
        StringBuilder extra = new StringBuilder();
        Map<String, AttributeValue> fromValues = new HashMap<>();
        if (onlyFrom != null) {
            for (int k = 0; k < onlyFrom.size(); k++) {
                extra.append(k == 0 ? "" : " OR ").append("#status = :from").append(k);
                fromValues.put(":from" + k, Attr.s(onlyFrom.get(k)));
            }
        }
        ItemVersion.Check c = ItemVersion.condition(expectedVersion,
                "attribute_exists(" + Keys.PK + ")" + (extra.isEmpty() ? "" : " AND (" + extra + ")"));
        c.names().put("#status", "status");
        c.names().put("#ver", "ver");
        c.values().putAll(fromValues);
        c.values().putAll(Tx.values(":s", Attr.s(status), ":one", Attr.n(1), ":now", Attr.s(now.toString())));
        StringBuilder set = new StringBuilder("SET #status = :s, #ver = #ver + :one, updated_at = :now");
        if (ip != null) { set.append(", ip = :ip"); c.values().put(":ip", Attr.s(ip)); }
        if (reason != null) { set.append(", status_reason = :r"); c.values().put(":r", Attr.s(reason)); }
        else set.append(" REMOVE status_reason");
        tx.update(Keys.instance(id), set.toString(), c.condition(), c.names(), c.values(), () -> {
            Instance now2 = get(id);
            if (now2 == null) return ApiException.notFound("instance");
            if (onlyFrom != null && !onlyFrom.contains(now2.status())) {
                return ApiException.conflict("conflict", "The instance is " + now2.status() + ".");
            }
            return ApiException.preconditionFailed(null);
        });
    }

    public void setProviderServer(Tx tx, String id, String providerServerId, String ip, Instant now) {
        tx.update(Keys.instance(id), "SET provider_server_id = :p, ip = :ip, #ver = #ver + :one, updated_at = :now",
                "attribute_exists(" + Keys.PK + ")", Map.of("#ver", "ver"),
                Tx.values(":p", Attr.s(providerServerId), ":ip", Attr.sOrNull(ip), ":one", Attr.n(1), ":now", Attr.s(now.toString())),
                () -> ApiException.notFound("instance"));
    }

    static Instance fromItem(Map<String, AttributeValue> item) {
        String ip = item.containsKey("ip") && item.get("ip").s() != null ? item.get("ip").s() : null;
        return new Instance(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "environment_id"),
                Attr.str(item, "compute_target_id"), Attr.str(item, "provider"), Attr.str(item, "provider_server_id"), Attr.str(item, "region"),
                Attr.str(item, "instance_type"), ip, Attr.str(item, "status"), Attr.str(item, "status_reason"),
                Item.instant(item, "created_at"), Item.instant(item, "updated_at"), Attr.num(item, "ver"));
    }
}

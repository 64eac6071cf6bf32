package dev.gantry.shared.identity;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.limits.TokenBuckets;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Workspaces. The workspace item also holds the usage counters quotas are checked against and
 * the number of owners, so "at most N" and "at least one owner" are conditions on one item,
 * checked inside the same transaction as the change.
 * <p>
 * Optimistic locking ({@link ItemVersion}): every write to the item bumps {@code ver}, the counter
 * and owner-count changes made by member, environment and compute-target writes included, because
 * {@code GET /v1/workspace} shows the quota usage: its ETag changes with them, so the version must too.
 */
public final class WorkspaceRepository {
    private final Table table;
    private final String upgradeUrl;

    public WorkspaceRepository(Table table, String publicUrl) {
        this.table = table;
        this.upgradeUrl = publicUrl + "/settings/billing";
    }

    public record Workspace(String id, String name, Plan plan, Instant createdAt, Map<Plan.Resource, Long> usage, long ownerCount,
                            Instant currentPeriodEnd, boolean cancelAtPeriodEnd, long version) {
        /** A new workspace (its version is 1 once created). */
        public Workspace(String id, String name, Plan plan, Instant createdAt, Map<Plan.Resource, Long> usage, long ownerCount,
                         Instant currentPeriodEnd, boolean cancelAtPeriodEnd) {
            this(id, name, plan, createdAt, usage, ownerCount, currentPeriodEnd, cancelAtPeriodEnd, 1);
        }

        public long used(Plan.Resource resource) { return usage.getOrDefault(resource, 0L); }
    }

    public void create(Tx tx, Workspace ws) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.workspace(ws.id()));
        item.put("type", Attr.s("workspace"));
        item.put("id", Attr.s(ws.id()));
        item.put("name", Attr.s(ws.name()));
        item.put("plan", Attr.s(ws.plan().wireName()));
        item.put("created_at", Attr.s(ws.createdAt().toString()));
        item.put("current_period_end", Attr.s(ws.currentPeriodEnd().toString()));
        item.put("cancel_at_period_end", Attr.bool(false));
        item.put("owner_count", Attr.n(ws.ownerCount()));
        item.put(ItemVersion.ATTR, Attr.n(1));
        for (Plan.Resource r : Plan.Resource.values()) item.put(r.counter(), Attr.n(ws.used(r)));
        tx.create(item, () -> ApiException.conflict("conflict", "Workspace id collision; try again."));
        TokenBuckets.putWorkspaceBucket(tx, ws.id(), ws.plan()); // its rate limit bucket, full, sized by the plan
    }

    /** Where a 402 sends the client to upgrade. */
    public String upgradeUrl() { return upgradeUrl; }

    public Workspace get(String workspaceId, boolean consistent) {
        Map<String, AttributeValue> item = table.get(Keys.workspace(workspaceId), consistent);
        return item == null ? null : fromItem(item);
    }

    public Map<String, Workspace> getAll(List<String> ids) {
        Map<String, Workspace> out = new HashMap<>();
        table.batchGet(ids.stream().map(Keys::workspace).toList(), false).values()
                .forEach(item -> out.put(Attr.str(item, "id"), fromItem(item)));
        return out;
    }

    /** Renames; with {@code expectedVersion} (If-Match) only if the workspace is still that version, else 412. */
    public void rename(Tx tx, String workspaceId, String name, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.check(expectedVersion, "attribute_exists(" + Keys.PK + ")");
        c.names().put("#n", "name");
        c.values().put(":n", Attr.s(name));
        tx.update(Keys.workspace(workspaceId), "SET #n = :n, " + ItemVersion.BUMP, c.condition(), c.names(), c.values(),
                ItemVersion.failure(expectedVersion, () -> ApiException.notFound("workspace")));
    }

    /** Takes one unit of a quota, failing the transaction with 402 when the plan's limit is reached. */
    public void reserve(Tx tx, Workspace ws, Plan.Resource resource) {
        long limit = ws.plan().limit(resource);
        ItemVersion.Check c = ItemVersion.check(null, "#c < :limit AND #p = :plan");
        c.names().putAll(Map.of("#c", resource.counter(), "#p", "plan"));
        c.values().putAll(Tx.values(":one", Attr.n(1), ":limit", Attr.n(limit), ":plan", Attr.s(ws.plan().wireName())));
        tx.update(Keys.workspace(ws.id()), "SET #c = #c + :one, " + ItemVersion.BUMP, c.condition(), c.names(), c.values(),
                () -> planLimit(ws.id(), resource));
    }

    public void release(Tx tx, String workspaceId, Plan.Resource resource) {
        ItemVersion.Check c = ItemVersion.check(null, "#c > :zero");
        c.names().put("#c", resource.counter());
        c.values().putAll(Tx.values(":one", Attr.n(1), ":zero", Attr.n(0)));
        tx.update(Keys.workspace(workspaceId), "SET #c = #c - :one, " + ItemVersion.BUMP, c.condition(), c.names(), c.values(), null);
    }

    /** Adds or removes owners; removing fails with 409 last_owner when it would leave none. */
    public void changeOwnerCount(Tx tx, String workspaceId, int delta) {
        if (delta == 0) return;
        if (delta > 0) {
            ItemVersion.Check c = ItemVersion.check(null, null);
            c.values().put(":d", Attr.n(delta));
            tx.update(Keys.workspace(workspaceId), "SET owner_count = owner_count + :d, " + ItemVersion.BUMP, null, c.names(), c.values(), null);
        } else {
            ItemVersion.Check c = ItemVersion.check(null, "owner_count > :d");
            c.values().put(":d", Attr.n(-delta));
            tx.update(Keys.workspace(workspaceId), "SET owner_count = owner_count - :d, " + ItemVersion.BUMP, c.condition(), c.names(), c.values(),
                    () -> ApiException.conflict("last_owner", "A workspace must keep at least one owner."));
        }
    }

    /**
     * Changes the plan, atomically refusing a downgrade below current usage: the condition checks
     * every counter against the new plan's limits in the same write. The workspace's rate limit
     * bucket takes the new plan's size in the same transaction, so the next request is limited by
     * the new plan (docs/rate-limits.md). A transaction that collided with a rate limit decision on
     * the bucket (TransactionConflict) is retried a few times.
     */
    public Workspace changePlan(String workspaceId, Plan plan) {
        StringBuilder condition = new StringBuilder("attribute_exists(" + Keys.PK + ")");
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":plan", Attr.s(plan.wireName()));
        values.put(":f", Attr.bool(false));
        for (Plan.Resource r : Plan.Resource.values()) {
            names.put("#" + r.wireName(), r.counter());
            values.put(":" + r.wireName(), Attr.n(plan.limit(r)));
            condition.append(" AND #").append(r.wireName()).append(" <= :").append(r.wireName());
        }
        names.put("#p", "plan");
        names.put("#ver", ItemVersion.ATTR);
        values.put(":ver_zero", Attr.n(0));
        values.put(":ver_one", Attr.n(1));
        for (int attempt = 1; ; attempt++) {
            boolean[] refused = {false};
            Tx tx = new Tx(table);
            tx.update(Keys.workspace(workspaceId), "SET #p = :plan, cancel_at_period_end = :f, " + ItemVersion.BUMP, condition.toString(), names, values,
                    () -> {
                        refused[0] = true;
                        return planChangeRefusal(workspaceId, plan);
                    });
            TokenBuckets.changeWorkspacePlan(tx, workspaceId, plan);
            try {
                tx.commit();
                break;
            } catch (ApiException e) {
                if (refused[0] || e.status() != 409 || attempt == 4) throw e;
                try {
                    Thread.sleep(10L * attempt + java.util.concurrent.ThreadLocalRandom.current().nextInt(10));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        Workspace after = get(workspaceId, true);
        if (after == null) throw ApiException.notFound("workspace");
        return after;
    }

    private ApiException planChangeRefusal(String workspaceId, Plan plan) {
        Workspace current = get(workspaceId, true);
        if (current == null) return ApiException.notFound("workspace");
        for (Plan.Resource res : Plan.Resource.values()) {
            if (current.used(res) > plan.limit(res)) {
                return ApiException.conflict("conflict", "The workspace uses " + current.used(res) + " " + res.wireName().replace('_', ' ')
                                + "; the " + plan.wireName() + " plan allows " + plan.limit(res) + ".",
                        Map.of("resource", res.wireName(), "current", current.used(res), "limit", plan.limit(res), "plan", plan.wireName()));
            }
        }
        return ApiException.conflict("conflict", "The workspace changed at the same time; try again.");
    }

    public Workspace setCancelAtPeriodEnd(String workspaceId, boolean cancel) {
        var r = table.client().updateItem(b -> b.tableName(table.name()).key(Keys.workspace(workspaceId))
                .updateExpression("SET cancel_at_period_end = :c, " + ItemVersion.BUMP)
                .conditionExpression("attribute_exists(" + Keys.PK + ")")
                .expressionAttributeNames(Map.of("#ver", ItemVersion.ATTR))
                .expressionAttributeValues(Map.of(":c", Attr.bool(cancel), ":ver_zero", Attr.n(0), ":ver_one", Attr.n(1)))
                .returnValues("ALL_NEW"));
        return fromItem(r.attributes());
    }

    private ApiException planLimit(String workspaceId, Plan.Resource resource) {
        Workspace current = get(workspaceId, true);
        Plan plan = current == null ? Plan.FREE : current.plan();
        long used = current == null ? plan.limit(resource) : current.used(resource);
        return ApiException.planLimitExceeded(resource.wireName(), used, plan.limit(resource), plan.wireName(), upgradeUrl);
    }

    static Workspace fromItem(Map<String, AttributeValue> item) {
        Map<Plan.Resource, Long> usage = new EnumMap<>(Plan.Resource.class);
        for (Plan.Resource r : Plan.Resource.values()) usage.put(r, Attr.num(item, r.counter()));
        return new Workspace(Attr.str(item, "id"), Attr.str(item, "name"), Plan.find(Attr.str(item, "plan")).orElse(Plan.FREE),
                Instant.parse(Attr.str(item, "created_at")), usage, Attr.num(item, "owner_count"),
                Instant.parse(Attr.str(item, "current_period_end")), Attr.flag(item, "cancel_at_period_end"),
                ItemVersion.of(item));
    }
}

package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deploys and their log lines. A deploy is listed three ways from the same item: by workspace
 * (GSI1), by environment (GSI2) and by repo (GSI3), newest first; a status filter is applied on
 * top of the chosen index. Every status change is a compare-and-set on the status it leaves, so
 * a step that runs twice, a cancel and a worker racing cannot both win.
 */
public final class DeployRepository {
    public static final List<String> TERMINAL = List.of("succeeded", "failed", "cancelled", "superseded");
    public static final List<String> STATUSES = List.of("queued", "provisioning", "building", "deploying", "succeeded", "failed",
            "cancelled", "superseded");

    private final Table table;

    public DeployRepository(Table table) {
        this.table = table;
    }

    public record Deploy(String id, String workspaceId, String repoId, String repoFullName, String environmentId, String environmentName,
                         String status, String sha, String branch, String triggeredBy, String triggerDetail, String runUrl, String appUrl,
                         String instanceId, String failureReason, boolean cancelRequested, String rollbackOf, Instant createdAt,
                         Instant startedAt, Instant completedAt, Instant updatedAt, Instant buildDispatchedAt, long stepSeq) {
        public boolean terminal() { return TERMINAL.contains(status); }
    }

    public record Slice(List<Deploy> deploys, Map<String, AttributeValue> lastKey) {}

    public record LogLine(String ts, String source, String text) {}

    public record LogSlice(List<LogLine> lines, Map<String, AttributeValue> lastKey) {}

    /** {@code deliveryId}: the GitHub delivery that caused it (null: not a push). */
    public void create(Tx tx, Deploy d, String deliveryId) {
        tx.create(new Item(Keys.deploy(d.id())).s("delivery_id", deliveryId).s("type", "deploy").s("id", d.id()).s("workspace_id", d.workspaceId())
                .s("repo_id", d.repoId()).s("repo_full_name", d.repoFullName()).s("environment_id", d.environmentId())
                .s("environment_name", d.environmentName()).s("status", d.status()).s("sha", d.sha()).s("branch", d.branch())
                .s("triggered_by", d.triggeredBy()).s("trigger_detail", d.triggerDetail()).s("rollback_of", d.rollbackOf())
                .t("created_at", d.createdAt()).t("updated_at", d.createdAt()).n("step_seq", 0)
                .gsi1(Keys.workspaceDeploys(d.workspaceId()), d.id())
                .s(Keys.GSI2_PK, Keys.environmentDeploys(d.environmentId())).s(Keys.GSI2_SK, d.id())
                .s(Keys.GSI3_PK, Keys.repoDeploys(d.repoId())).s(Keys.GSI3_SK, d.id()).map(),
                () -> ApiException.conflict("conflict", "Deploy id collision; try again."));
    }

    public Deploy get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.deploy(id), true);
        return item == null ? null : fromItem(item);
    }

    /** Which list: the workspace's, an environment's or a repo's. */
    public record ListBy(String index, String partition) {
        public static ListBy workspace(String ws) { return new ListBy(Keys.GSI1, Keys.workspaceDeploys(ws)); }
        public static ListBy environment(String env) { return new ListBy(Keys.GSI2, Keys.environmentDeploys(env)); }
        public static ListBy repo(String repo) { return new ListBy(Keys.GSI3, Keys.repoDeploys(repo)); }
    }

    /** Newest first; {@code filters} (attribute → value, may be empty) narrow the page (so a page can hold fewer than {@code limit}). */
    public Slice list(ListBy by, Map<String, String> filters, int limit, Map<String, AttributeValue> start) {
        String pkAttr = by.index().equals(Keys.GSI1) ? Keys.GSI1_PK : by.index().equals(Keys.GSI2) ? Keys.GSI2_PK : Keys.GSI3_PK;
        Map<String, String> names = new HashMap<>(Map.of("#pk", pkAttr));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", Attr.s(by.partition())));
        List<String> conditions = new ArrayList<>();
        int k = 0;
        for (var f : filters.entrySet()) {
            names.put("#f" + k, f.getKey());
            values.put(":f" + k, Attr.s(f.getValue()));
            conditions.add("#f" + k + " = :f" + k);
            k++;
        }
        String filter = conditions.isEmpty() ? null : String.join(" AND ", conditions);
        QueryResponse r = table.query(b -> {
            b.indexName(by.index()).keyConditionExpression("#pk = :pk").expressionAttributeNames(names).expressionAttributeValues(values)
                    .scanIndexForward(false).limit(limit).exclusiveStartKey(start);
            if (filter != null) b.filterExpression(filter);
        });
        return new Slice(r.items().stream().map(DeployRepository::fromItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /**
     * Moves a deploy from one of {@code from} to {@code to} (compare-and-set), with extra
     * attributes to set; bumps {@code step_seq} (what the stuck-deploy watchdog compares).
     */
    public void transition(Tx tx, String id, List<String> from, String to, Map<String, AttributeValue> sets, Instant now) {
        StringBuilder cond = new StringBuilder();
        Map<String, AttributeValue> values = new HashMap<>();
        for (int i = 0; i < from.size(); i++) {
            cond.append(i == 0 ? "" : " OR ").append("#s = :from").append(i);
            values.put(":from" + i, Attr.s(from.get(i)));
        }
        values.put(":to", Attr.s(to));
        values.put(":now", Attr.s(now.toString()));
        values.put(":one", Attr.n(1));
        StringBuilder set = new StringBuilder("SET #s = :to, updated_at = :now, step_seq = step_seq + :one");
        int k = 0;
        for (var e : sets.entrySet()) {
            set.append(", ").append(e.getKey()).append(" = :x").append(k);
            values.put(":x" + k, e.getValue());
            k++;
        }
        tx.update(Keys.deploy(id), set.toString(), "attribute_exists(" + Keys.PK + ") AND (" + cond + ")", Map.of("#s", "status"), values,
                () -> ApiException.conflict("conflict", "The deploy moved on meanwhile."));
    }

    /** Asks a running deploy to stop at its next step boundary. */
    public void requestCancel(Tx tx, String id) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":t", Attr.bool(true)));
        StringBuilder cond = new StringBuilder();
        for (int i = 0; i < TERMINAL.size(); i++) {
            cond.append(i == 0 ? "" : " AND ").append("#s <> :t").append(i);
            values.put(":t" + i, Attr.s(TERMINAL.get(i)));
        }
        tx.update(Keys.deploy(id), "SET cancel_requested = :t", "attribute_exists(" + Keys.PK + ") AND " + cond, Map.of("#s", "status"), values,
                () -> ApiException.conflict("deploy_already_terminal", "This deploy has already finished."));
    }

    /** Records that the build was dispatched; false when it already was (a redelivered step must not dispatch twice). */
    public boolean markBuildDispatched(String id, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.deploy(id))
                    .updateExpression("SET build_dispatched_at = :now").conditionExpression("attribute_not_exists(build_dispatched_at)")
                    .expressionAttributeValues(Map.of(":now", Attr.s(now.toString()))));
            return true;
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException already) {
            return false;
        }
    }

    public void setRunUrl(String id, String runUrl) {
        table.client().updateItem(b -> b.tableName(table.name()).key(Keys.deploy(id)).updateExpression("SET run_url = :u")
                .conditionExpression("attribute_exists(" + Keys.PK + ")").expressionAttributeValues(Map.of(":u", Attr.s(runUrl))));
    }

    /** Appends a log line (its own item: logs grow without rewriting the deploy). */
    public void log(String deployId, String source, String text, Instant at) {
        String sk = Keys.DEPLOY_LOG_PREFIX + String.format("%013d", at.toEpochMilli()) + "#" + Ids.newId("log", at).substring(4);
        String safe = text.length() > 4000 ? text.substring(0, 4000) + "…" : text;
        table.client().putItem(b -> b.tableName(table.name()).item(new Item(Keys.deployLog(deployId, sk)).s("type", "deploy_log")
                .s("ts", at.toString()).s("source", source).s("text", safe).map()));
    }

    /** Oldest first. */
    public LogSlice logs(String deployId, int limit, Map<String, AttributeValue> start) {
        QueryResponse r = table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :log)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.deployPk(deployId)), ":log", Attr.s(Keys.DEPLOY_LOG_PREFIX)))
                .limit(limit).exclusiveStartKey(start).consistentRead(true));
        return new LogSlice(r.items().stream().map(i -> new LogLine(Attr.str(i, "ts"), Attr.str(i, "source"), Attr.str(i, "text"))).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    static Deploy fromItem(Map<String, AttributeValue> item) {
        return new Deploy(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "repo_id"), Attr.str(item, "repo_full_name"),
                Attr.str(item, "environment_id"), Attr.str(item, "environment_name"), Attr.str(item, "status"), Attr.str(item, "sha"),
                Attr.str(item, "branch"), Attr.str(item, "triggered_by"), Attr.str(item, "trigger_detail"), Attr.str(item, "run_url"),
                Attr.str(item, "app_url"), Attr.str(item, "instance_id"), Attr.str(item, "failure_reason"), Attr.flag(item, "cancel_requested"),
                Attr.str(item, "rollback_of"), Item.instant(item, "created_at"), Item.instant(item, "started_at"),
                Item.instant(item, "completed_at"), Item.instant(item, "updated_at"), Item.instant(item, "build_dispatched_at"),
                Attr.num(item, "step_seq"));
    }
}

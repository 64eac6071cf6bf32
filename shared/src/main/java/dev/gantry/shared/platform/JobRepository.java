package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Background jobs (VM provisioning and destruction). A job item is written in the transaction of
 * the change that asks for it, with the outbox message that starts it; the job worker moves it
 * {@code queued → running → succeeded | failed} with compare-and-set writes, so a redelivered
 * message never runs a finished job again.
 */
public final class JobRepository {
    public static final String PROVISION = "vm_provision";
    public static final String DESTROY = "vm_destroy";

    private final Table table;

    public JobRepository(Table table) {
        this.table = table;
    }

    public record Job(String id, String workspaceId, String type, String status, String environmentId, String instanceId, String reason,
                      long attempts, Instant createdAt, Instant updatedAt) {
        public boolean terminal() { return status.equals("succeeded") || status.equals("failed"); }
    }

    public record Slice(List<Job> jobs, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, Job j) {
        tx.create(new Item(Keys.job(j.id())).s("type", "job").s("id", j.id()).s("workspace_id", j.workspaceId()).s("job_type", j.type())
                .s("status", j.status()).s("environment_id", j.environmentId()).s("instance_id", j.instanceId()).n("attempts", 0)
                .t("created_at", j.createdAt()).t("updated_at", j.createdAt()).gsi1(Keys.workspaceJobs(j.workspaceId()), j.id())
                // while the job is not finished it is also on GSI2, so "how many are queued or running" is one small query
                .s(Keys.GSI2_PK, Keys.workspaceJobs(j.workspaceId()) + "#ACTIVE").s(Keys.GSI2_SK, j.id()).map(),
                () -> ApiException.conflict("conflict", "Job id collision; try again."));
    }

    public Job get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.job(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.workspaceJobs(workspaceId), limit, start);
        return new Slice(s.items().stream().map(JobRepository::fromItem).toList(), s.lastKey());
    }

    /** The workspace's unfinished jobs (queued or running): a small partition of GSI2. */
    public List<Job> active(String workspaceId) {
        var r = table.query(b -> b.indexName(Keys.GSI2).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI2_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspaceJobs(workspaceId) + "#ACTIVE"))));
        return r.items().stream().map(JobRepository::fromItem).toList();
    }

    /** Claims a job that is not finished for one more attempt; false when it already finished. */
    public boolean start(String id, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.job(id))
                    .updateExpression("SET #s = :running, attempts = attempts + :one, updated_at = :now")
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND #s IN (:queued, :running)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":running", Attr.s("running"), ":queued", Attr.s("queued"), ":one", Attr.n(1),
                            ":now", Attr.s(now.toString()))));
            return true;
        } catch (ConditionalCheckFailedException finished) {
            return false;
        }
    }

    /** Finishes a running job in {@code tx} (with the state change it made). */
    public void finish(Tx tx, String id, boolean succeeded, String reason, Instant now) {
        Item values = new Item(Map.of()).s(":done", succeeded ? "succeeded" : "failed").s(":running", "running").s(":now", now.toString());
        String set = "SET #s = :done, updated_at = :now";
        String remove = " REMOVE " + Keys.GSI2_PK + ", " + Keys.GSI2_SK;
        if (reason != null) {
            values.s(":r", reason);
            set += ", reason = :r";
        }
        tx.update(Keys.job(id), set + remove, "#s = :running", Map.of("#s", "status"), values.map(),
                () -> ApiException.conflict("conflict", "The job already finished."));
    }

    static Job fromItem(Map<String, AttributeValue> item) {
        return new Job(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "job_type"), Attr.str(item, "status"),
                Attr.str(item, "environment_id"), Attr.str(item, "instance_id"), Attr.str(item, "reason"), Attr.num(item, "attempts"),
                Item.instant(item, "created_at"), Item.instant(item, "updated_at"));
    }
}

package dev.gantry.shared.github;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * GitHub deliveries by {@code X-GitHub-Delivery} id. GitHub keeps the id when a delivery is
 * redelivered, so the item is what makes processing happen once: {@code received} until the
 * worker has done the work, then {@code completed}; a completed id is never processed again, a
 * received one is (its first processing may have failed). Kept 30 days by TTL (GitHub redelivers
 * deliveries of the past 3 days).
 */
public final class GitHubDeliveries {
    public static final Duration RETENTION = Duration.ofDays(30);
    public static final String RECEIVED = "received";
    public static final String COMPLETED = "completed";

    private final Table table;

    public GitHubDeliveries(Table table) {
        this.table = table;
    }

    /** Thrown by the transaction when the delivery id already completed. */
    public static final class AlreadyCompleted extends RuntimeException {
        AlreadyCompleted() { super("delivery already completed", null, false, false); }
    }

    /**
     * Records a delivery as {@code status} unless the id already completed ({@link AlreadyCompleted}
     * on commit). A recorded but never completed id is overwritten: it is being processed again.
     */
    public void record(Tx tx, String deliveryId, String event, String action, String status, Instant now) {
        Item item = new Item(Keys.githubDelivery(deliveryId)).s("type", "github_delivery").s("delivery_id", deliveryId).s("event", event)
                .s("status", status).t("received_at", now).n(Keys.TTL, now.plus(RETENTION).getEpochSecond());
        if (action != null) item.s("action", action);
        if (COMPLETED.equals(status)) item.t("completed_at", now);
        tx.put(item.map(), "attribute_not_exists(" + Keys.PK + ") OR #status <> :completed", Map.of("#status", "status"),
                Tx.values(":completed", Attr.s(COMPLETED)), AlreadyCompleted::new);
    }

    public boolean completed(String deliveryId) {
        Map<String, AttributeValue> item = table.get(Keys.githubDelivery(deliveryId), true);
        return item != null && COMPLETED.equals(Attr.str(item, "status"));
    }

    /** The delivery's status, or null when unknown (expired or never received). */
    public String status(String deliveryId) {
        Map<String, AttributeValue> item = table.get(Keys.githubDelivery(deliveryId), true);
        return item == null ? null : Attr.str(item, "status");
    }

    /** Marks the delivery done; a missing item (expired meanwhile) is written again so a redelivery stays a duplicate. */
    public void markCompleted(String deliveryId, Instant now) {
        table.client().updateItem(b -> b.tableName(table.name()).key(Keys.githubDelivery(deliveryId))
                .updateExpression("SET #status = :completed, completed_at = :now, #type = if_not_exists(#type, :type), "
                        + "delivery_id = if_not_exists(delivery_id, :id), #ttl = if_not_exists(#ttl, :ttl)")
                .expressionAttributeNames(Map.of("#status", "status", "#type", "type", "#ttl", Keys.TTL))
                .expressionAttributeValues(Map.of(":completed", Attr.s(COMPLETED), ":now", Attr.s(now.toString()),
                        ":type", Attr.s("github_delivery"), ":id", Attr.s(deliveryId), ":ttl", Attr.n(now.plus(RETENTION).getEpochSecond()))));
    }
}

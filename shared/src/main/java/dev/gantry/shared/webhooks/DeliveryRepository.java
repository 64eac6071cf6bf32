package dev.gantry.shared.webhooks;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deliveries: one item per (event, endpoint), {@code MSG#<msg_id>}, whose id is the
 * {@code webhook-id} a receiver deduplicates on. {@code attempts} counts finished attempts; an
 * attempt is started by {@link #claim claiming} it (a conditional write on that count and a short
 * lease), so two copies of one queue message cannot both send it, and finished by
 * {@link #finish} in one transaction with the attempt's record and the message that schedules the
 * next one. Listed per endpoint on GSI1 (all) and GSI2 (by status), newest first.
 */
public final class DeliveryRepository {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final List<String> STATUSES = List.of(PENDING, SUCCEEDED, FAILED);
    public static final Duration RETENTION = Duration.ofDays(30);

    private final Table table;

    public DeliveryRepository(Table table) {
        this.table = table;
    }

    public record Delivery(String id, String workspaceId, String endpointId, String eventId, String eventType, String payload,
                           String status, int attempts, Integer lastStatusCode, String lastError, Instant nextAttemptAt,
                           Instant createdAt, Instant leaseUntil) {}

    /** The outcome of one attempt, as recorded. */
    public record Attempt(int number, Integer statusCode, String error, long durationMs, Instant at) {}

    public record Slice(List<Delivery> deliveries, Map<String, AttributeValue> lastKey) {}

    /** A new pending delivery; the transaction fails (with {@code null} error: the caller's duplicate) if it exists. */
    public void create(Tx tx, Delivery d, RuntimeException onExists) {
        tx.create(new Item(Keys.delivery(d.id())).s("type", "delivery").s("id", d.id()).s("workspace_id", d.workspaceId())
                .s("endpoint_id", d.endpointId()).s("event_id", d.eventId()).s("event_type", d.eventType()).s("payload", d.payload())
                .s("status", PENDING).n("attempts", 0).t("next_attempt_at", d.nextAttemptAt()).t("created_at", d.createdAt())
                .n(Keys.TTL, d.createdAt().plus(RETENTION).getEpochSecond())
                .gsi1(Keys.endpointDeliveries(d.endpointId()), d.id())
                .s(Keys.GSI2_PK, Keys.endpointDeliveriesByStatus(d.endpointId(), PENDING)).s(Keys.GSI2_SK, d.id()).map(),
                () -> onExists);
    }

    public Delivery get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.delivery(id), true);
        return item == null ? null : fromItem(item);
    }

    /** A page of an endpoint's deliveries, newest first; {@code status} null for all. */
    public Slice list(String endpointId, String status, int limit, Map<String, AttributeValue> start) {
        if (status == null) {
            Table.Slice s = table.listGsi1(Keys.endpointDeliveries(endpointId), limit, start);
            return new Slice(s.items().stream().map(DeliveryRepository::fromItem).toList(), s.lastKey());
        }
        QueryResponse r = table.query(b -> b.indexName(Keys.GSI2).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI2_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.endpointDeliveriesByStatus(endpointId, status))))
                .scanIndexForward(false).limit(limit).exclusiveStartKey(start));
        return new Slice(r.items().stream().map(DeliveryRepository::fromItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /**
     * Claims attempt {@code finishedAttempts + 1}: succeeds only while the delivery is pending, has
     * exactly {@code finishedAttempts} finished attempts and no live lease. Answers false for a
     * duplicate (the attempt already ran, or is running elsewhere).
     */
    public boolean claim(String id, int finishedAttempts, Instant now, Instant leaseUntil) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.delivery(id))
                    .updateExpression("SET lease_until = :lease")
                    .conditionExpression("#st = :pending AND attempts = :done AND (attribute_not_exists(lease_until) OR lease_until < :now)")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(Map.of(":pending", Attr.s(PENDING), ":done", Attr.n(finishedAttempts),
                            ":now", Attr.n(now.toEpochMilli()), ":lease", Attr.n(leaseUntil.toEpochMilli()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Records a finished attempt (conditional on still holding the lease taken by {@link #claim}):
     * the delivery's new status, counters and next due time, and the attempt's own item.
     */
    public void finish(Tx tx, Delivery d, Attempt attempt, String newStatus, Instant nextAttemptAt, Instant lease) {
        Map<String, AttributeValue> values = new HashMap<>(Tx.values(":n", Attr.n(attempt.number()), ":done", Attr.n(attempt.number() - 1L),
                ":st", Attr.s(newStatus), ":lease", Attr.n(lease.toEpochMilli()),
                ":g2", Attr.s(Keys.endpointDeliveriesByStatus(d.endpointId(), newStatus)),
                ":code", attempt.statusCode() == null ? AttributeValue.fromNul(true) : Attr.n(attempt.statusCode()),
                ":err", Attr.sOrNull(attempt.error()), ":at", Attr.s(attempt.at().toString())));
        String set = "SET attempts = :n, #st = :st, " + Keys.GSI2_PK + " = :g2, last_status_code = :code, last_error = :err, last_attempt_at = :at";
        String remove = " REMOVE lease_until";
        if (nextAttemptAt != null) {
            set += ", next_attempt_at = :next";
            values.put(":next", Attr.s(nextAttemptAt.toString()));
        } else {
            remove += ", next_attempt_at";
        }
        tx.update(Keys.delivery(d.id()), set + remove, "attempts = :done AND lease_until = :lease", Map.of("#st", "status"), values,
                () -> new IllegalStateException("delivery " + d.id() + " lost its lease during attempt " + attempt.number()));
        Item a = new Item(Keys.deliveryAttempt(d.id(), attempt.number())).s("type", "delivery_attempt").n("attempt", attempt.number())
                .s("error", attempt.error()).n("duration_ms", attempt.durationMs()).t("at", attempt.at())
                .n(Keys.TTL, d.createdAt().plus(RETENTION).getEpochSecond());
        if (attempt.statusCode() != null) a.n("status_code", attempt.statusCode());
        tx.put(a.map(), null, null, null, null);
    }

    /** Ends a pending delivery without an attempt (its endpoint was deleted or disabled). */
    public void abandon(Delivery d, String reason, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.delivery(d.id()))
                    .updateExpression("SET #st = :failed, " + Keys.GSI2_PK + " = :g2, last_error = :why REMOVE next_attempt_at, lease_until")
                    .conditionExpression("#st = :pending AND (attribute_not_exists(lease_until) OR lease_until < :now)")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(Map.of(":failed", Attr.s(FAILED), ":pending", Attr.s(PENDING), ":why", Attr.s(reason),
                            ":now", Attr.n(now.toEpochMilli()), ":g2", Attr.s(Keys.endpointDeliveriesByStatus(d.endpointId(), FAILED)))));
        } catch (ConditionalCheckFailedException e) {
            // it moved on meanwhile
        }
    }

    /**
     * Makes a delivery due now again (redeliver): pending, next attempt now. Conditional on the
     * attempt count read and no attempt in flight, so it cannot race a running attempt.
     */
    public void reopen(Tx tx, Delivery d, Instant now, java.util.function.Supplier<? extends RuntimeException> onRace) {
        tx.update(Keys.delivery(d.id()), "SET #st = :pending, " + Keys.GSI2_PK + " = :g2, next_attempt_at = :now",
                "attempts = :done AND (attribute_not_exists(lease_until) OR lease_until < :now_ms)", Map.of("#st", "status"),
                Tx.values(":pending", Attr.s(PENDING), ":now", Attr.s(now.toString()), ":now_ms", Attr.n(now.toEpochMilli()), ":done", Attr.n(d.attempts()),
                        ":g2", Attr.s(Keys.endpointDeliveriesByStatus(d.endpointId(), PENDING))), onRace);
    }

    /** Every recorded attempt of a delivery, in order. */
    public List<Attempt> attempts(String id) {
        QueryResponse r = table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :p)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.deliveryPk(id)), ":p", Attr.s(Keys.DELIVERY_ATTEMPT_PREFIX)))
                .consistentRead(true));
        return r.items().stream().map(i -> new Attempt((int) Attr.num(i, "attempt"),
                i.containsKey("status_code") && i.get("status_code").n() != null ? (int) Attr.num(i, "status_code") : null,
                Attr.str(i, "error"), Attr.num(i, "duration_ms"), Item.instant(i, "at"))).toList();
    }

    static Delivery fromItem(Map<String, AttributeValue> item) {
        AttributeValue code = item.get("last_status_code");
        return new Delivery(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "endpoint_id"), Attr.str(item, "event_id"),
                Attr.str(item, "event_type"), Attr.str(item, "payload"), Attr.str(item, "status"), (int) Attr.num(item, "attempts"),
                code == null || code.n() == null ? null : Integer.parseInt(code.n()), Attr.str(item, "last_error"),
                Item.instant(item, "next_attempt_at"), Item.instant(item, "created_at"),
                item.containsKey("lease_until") ? Instant.ofEpochMilli(Attr.num(item, "lease_until")) : null);
    }
}

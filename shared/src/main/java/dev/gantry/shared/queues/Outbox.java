package dev.gantry.shared.queues;

import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The transactional outbox (DESIGN.md principle 5). A change that must cause queue work writes an
 * outbox item in its own transaction, so the two cannot come apart. Right after the commit the
 * writer {@link #publish publishes} the message and deletes the item (the fast path); if the
 * process dies in between, or SQS is down, the {@link #sweep relay} sends it later. A message can
 * therefore arrive twice, never zero times: every consumer is idempotent.
 */
public final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Table table;
    private final QueueSender sender;
    private final Clock clock;

    public Outbox(Table table, QueueSender sender, Clock clock) {
        this.table = table;
        this.sender = sender;
        this.clock = clock;
    }

    /** A message written with a change, to be published once the change commits. */
    public record Message(String id, String queue, String body, int delaySeconds) {}

    /** Adds the message to {@code tx}; publish it after {@code tx.commit()}. */
    public Message add(Tx tx, String queue, String body, int delaySeconds) {
        Instant now = clock.instant();
        String id = Ids.newId("obx", now);
        tx.create(new Item(Keys.outbox(id)).s("type", "outbox").s("id", id).s("queue", queue).s("body", body)
                .n("delay_seconds", delaySeconds).t("created_at", now).gsi1(Keys.OUTBOX_PENDING, id).map(), null);
        return new Message(id, queue, body, delaySeconds);
    }

    /** Sends committed messages now. A failure is logged and left to the relay: the change itself has happened. */
    public void publish(List<Message> messages) {
        for (Message m : messages) {
            try {
                sender.send(m.queue(), m.body(), m.delaySeconds());
                table.client().deleteItem(b -> b.tableName(table.name()).key(Keys.outbox(m.id())));
            } catch (RuntimeException e) {
                LOG.warn("outbox message {} to {} not sent now; the relay will send it: {}", m.id(), m.queue(), e.toString());
            }
        }
    }

    /**
     * The stream relay's step for one outbox item it saw inserted (DynamoDB Streams in AWS, DynamoDB
     * Local's stream API locally): claim it (a conditional update, so the writer's fast path and a
     * second relay do not both send it, unless the fast path is between its send and its delete),
     * send it, delete it. An item already gone was sent by its writer: nothing to do. A send that
     * fails leaves the claim; the sweep sends claimed items once the claim is older than its age.
     * Answers true when this call sent the message.
     */
    public boolean relay(String id) {
        Map<String, AttributeValue> item;
        try {
            item = table.client().updateItem(b -> b.tableName(table.name()).key(Keys.outbox(id))
                    .updateExpression("SET relay_claimed_at = :now")
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND attribute_not_exists(relay_claimed_at)")
                    .expressionAttributeValues(Map.of(":now", Attr.s(clock.instant().toString())))
                    .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_NEW)).attributes();
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException sentOrClaimed) {
            return false;
        }
        sender.send(Attr.str(item, "queue"), Attr.str(item, "body"), (int) Attr.num(item, "delay_seconds"));
        table.client().deleteItem(b -> b.tableName(table.name()).key(Keys.outbox(id)));
        return true;
    }

    /** The outbox item id of a stream record's partition key ({@code OUTBOX#<id>}), or null for any other item. */
    public static String idOfKey(String partitionKey) {
        return partitionKey != null && partitionKey.startsWith("OUTBOX#") ? partitionKey.substring("OUTBOX#".length()) : null;
    }

    /**
     * The relay: sends every pending message older than {@code minAge} (younger ones are still in
     * their writer's fast path) and deletes it. Answers how many were sent.
     */
    public int sweep(Duration minAge) {
        Instant cutoff = clock.instant().minus(minAge);
        int sent = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var r = table.query(b -> b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.OUTBOX_PENDING)))
                    .scanIndexForward(true).limit(100).exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : r.items()) {
                if (Item.instant(item, "created_at").isAfter(cutoff)) return sent;
                Message m = new Message(Attr.str(item, "id"), Attr.str(item, "queue"), Attr.str(item, "body"),
                        (int) Attr.num(item, "delay_seconds"));
                sender.send(m.queue(), m.body(), m.delaySeconds());
                table.client().deleteItem(b -> b.tableName(table.name()).key(Keys.outbox(m.id())));
                sent++;
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return sent;
    }
}

package dev.gantry.shared.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Where webhook events start (API.md §11: "an event is never lost between the state change that
 * causes it and its delivery"). {@link #emit} adds the event item and an outbox message for the
 * fan-out queue to the caller's own transaction: if the state change commits, so do both; if the
 * process dies right after the commit, the outbox relay sends the message. After
 * {@code tx.commit()} the caller passes the returned message to {@link Outbox#publish} (the fast
 * path), as it does with its other outbox messages.
 */
public final class Events {
    public static final String FANOUT_QUEUE = "webhook-fanout";
    public static final String DELIVERIES_QUEUE = "webhook-deliveries";
    /** Events are kept long enough to outlive every retry of every delivery (about 28 h) with room to spare. */
    public static final Duration RETENTION = Duration.ofDays(30);
    /** The largest payload a delivery item can carry comfortably under DynamoDB's 400 KB item limit. */
    public static final int MAX_PAYLOAD_BYTES = 200 * 1024;

    private final Outbox outbox;
    private final Clock clock;

    public Events(Outbox outbox, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
    }

    /** A stored event. {@code payload} is the exact body every delivery of it sends: {@code {"type","timestamp","data"}}. */
    public record Event(String id, String workspaceId, String type, Instant createdAt, String payload) {}

    /**
     * Records that {@code type} happened in {@code workspaceId} with {@code data} (any value the
     * JSON mapper writes, snake_case), and queues its fan-out, all inside {@code tx}. Answers the
     * outbox message to publish once {@code tx} has committed.
     *
     * @throws IllegalArgumentException for an unknown event type or a payload over {@link #MAX_PAYLOAD_BYTES}
     */
    /** Sends committed event messages now (the fast path; the relays cover a failure). */
    public void publish(Outbox.Message... messages) {
        outbox.publish(java.util.List.of(messages));
    }

    public Outbox.Message emit(Tx tx, String workspaceId, String type, Object data) {
        Event event = record(tx, workspaceId, type, data);
        return outbox.add(tx, FANOUT_QUEUE, fanoutMessage(event), 0);
    }

    /** Writes the event item only (the test route's ping, which goes to one endpoint rather than through the fan-out). */
    public Event record(Tx tx, String workspaceId, String type, Object data) {
        if (!EventTypes.isType(type)) throw new IllegalArgumentException("unknown webhook event type " + type);
        if (workspaceId == null || workspaceId.isBlank()) throw new IllegalArgumentException("an event needs its workspace");
        Instant now = clock.instant();
        String id = Ids.newId("evt", now);
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("type", type);
        body.put("timestamp", now.toString());
        body.set("data", data == null ? Json.mapper().createObjectNode() : Json.mapper().valueToTree(data));
        String payload = Json.writeString(body);
        if (payload.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("webhook event " + type + " is larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        Event event = new Event(id, workspaceId, type, now, payload);
        tx.create(new Item(Keys.event(id)).s("type", "event").s("id", id).s("event_type", type).s("workspace_id", workspaceId)
                .s("payload", payload).t("created_at", now).n(Keys.TTL, now.plus(RETENTION).getEpochSecond()).map(), null);
        return event;
    }

    public static String fanoutMessage(Event event) {
        return Json.writeString(Map.of("kind", "webhook_event", "event_id", event.id(), "workspace_id", event.workspaceId()));
    }

    /** The event, or null once its TTL removed it (or it never existed). */
    public static Event get(Table table, String eventId) {
        Map<String, AttributeValue> item = table.get(Keys.event(eventId), true);
        if (item == null) return null;
        return new Event(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "event_type"),
                Item.instant(item, "created_at"), Attr.str(item, "payload"));
    }

    /** The {@code data} of an event's payload, for tests and views. */
    public static JsonNode data(Event event) {
        return Json.readTree(event.payload()).path("data");
    }
}

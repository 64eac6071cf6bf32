package dev.gantry.shared.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.webhooks.DeliveryRepository.Delivery;
import dev.gantry.shared.webhooks.WebhookEndpointRepository.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two queue consumers of outbound webhooks (docs/webhooks.md).
 *
 * <p>{@link #fanOut}: one event → one delivery per enabled endpoint of its workspace whose filter
 * matches, each created with a conditional put under an id derived from (event, endpoint), in one
 * transaction with the outbox message that queues its first attempt. Running twice creates nothing
 * twice.
 *
 * <p>{@link #deliver}: one message = one attempt of one delivery. A message not yet due (a wait
 * longer than SQS's 15-minute maximum delay) is sent again with the longest delay that does not
 * overshoot, until it is due: no Lambda ever sleeps. A due attempt is claimed first (see
 * {@link DeliveryRepository#claim}), so a duplicate message cannot send it twice; its outcome, its
 * record and the message of the next attempt are written in one transaction.
 */
public final class WebhookDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
    /** SQS's maximum DelaySeconds. */
    public static final int MAX_DELAY_SECONDS = 900;
    /** Longer than one attempt can take, shorter than the queue's 60 s visibility timeout (a crashed attempt is retried). */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(20);
    private static final Set<Integer> RETRY_AFTER_STATUSES = Set.of(429, 502, 503, 504);

    private final Webhooks w;

    public WebhookDispatcher(Webhooks webhooks) {
        this.w = webhooks;
    }

    /** The body of a delivery-queue message: which delivery, which attempt (1-based), and when it is due. */
    public static String deliveryMessage(String deliveryId, int attempt, Instant dueAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "webhook_delivery");
        m.put("delivery_id", deliveryId);
        m.put("attempt", attempt);
        m.put("due_at", dueAt.toString());
        return Json.writeString(m);
    }

    /** Handles one fan-out message; answers how many deliveries it created (0 on a repeat). */
    public int fanOut(String body) {
        JsonNode m = Json.readTree(body);
        String eventId = m.path("event_id").asText(null);
        if (eventId == null) {
            LOG.warn("ignoring a fan-out message without an event id");
            return 0;
        }
        Events.Event event = Events.get(w.table(), eventId);
        if (event == null) {
            LOG.warn("event {} no longer exists; nothing to fan out", eventId);
            return 0;
        }
        int created = 0;
        List<Outbox.Message> sent = new ArrayList<>();
        for (Endpoint e : w.endpoints().all(event.workspaceId())) {
            if (!e.enabled() || !EventTypes.matches(e.events(), event.type())) continue;
            // an endpoint added after the event happened does not get it, even if the fan-out runs late (relay)
            if (e.createdAt().isAfter(event.createdAt())) continue;
            Instant now = w.clock().instant();
            Delivery d = new Delivery(DeliveryIds.of(event.id(), e.id()), event.workspaceId(), e.id(), event.id(), event.type(),
                    event.payload(), DeliveryRepository.PENDING, 0, null, null, now, now, null);
            Tx tx = new Tx(w.table());
            w.deliveries().create(tx, d, new AlreadyFannedOut());
            Outbox.Message msg = w.outbox().add(tx, Events.DELIVERIES_QUEUE, deliveryMessage(d.id(), 1, now), 0);
            try {
                tx.commit();
                sent.add(msg);
                created++;
            } catch (AlreadyFannedOut repeat) {
                // this event already reached this endpoint: the first fan-out's message carries it
            }
        }
        w.outbox().publish(sent);
        return created;
    }

    private static final class AlreadyFannedOut extends RuntimeException {
        AlreadyFannedOut() { super(null, null, false, false); }
    }

    /** What one delivery message led to (for tests and logs). */
    public enum Outcome { NOT_DUE, DUPLICATE, IN_FLIGHT, GONE, SUCCEEDED, RETRY_SCHEDULED, FAILED, ABANDONED }

    public Outcome deliver(String body) {
        JsonNode m = Json.readTree(body);
        String id = m.path("delivery_id").asText(null);
        int attempt = m.path("attempt").asInt(0);
        Instant due = m.hasNonNull("due_at") ? Instant.parse(m.get("due_at").asText()) : null;
        if (id == null || attempt < 1 || due == null) {
            LOG.warn("ignoring a malformed delivery message");
            return Outcome.DUPLICATE;
        }
        Instant now = w.clock().instant();
        if (due.isAfter(now)) {
            long seconds = (Duration.between(now, due).toMillis() + 999) / 1000;
            w.queue().send(Events.DELIVERIES_QUEUE, body, (int) Math.min(MAX_DELAY_SECONDS, seconds));
            return Outcome.NOT_DUE;
        }
        Delivery d = w.deliveries().get(id);
        if (d == null) return Outcome.GONE;
        if (!DeliveryRepository.PENDING.equals(d.status()) || d.attempts() != attempt - 1) return Outcome.DUPLICATE;
        Endpoint e = w.endpoints().get(d.endpointId());
        if (e == null || !e.enabled()) {
            w.deliveries().abandon(d, e == null ? "endpoint deleted" : "endpoint disabled", now);
            return Outcome.ABANDONED;
        }
        Instant lease = now.plus(w.attemptTimeout()).plus(LEASE_MARGIN);
        if (!w.deliveries().claim(id, attempt - 1, now, lease)) return claimLost(id, attempt, body, now);

        WebhookSender.Result result = send(e, d, now);
        boolean ok = result.statusCode() != null && result.statusCode() >= 200 && result.statusCode() < 300;
        boolean gone = result.statusCode() != null && result.statusCode() == 410;
        Duration retryAfter = result.statusCode() != null && RETRY_AFTER_STATUSES.contains(result.statusCode())
                ? retryAfter(result.header("retry-after"), now) : null;
        Instant next = ok || gone ? null : RetrySchedule.next(id, attempt, now, retryAfter);
        String status = ok ? DeliveryRepository.SUCCEEDED : next == null ? DeliveryRepository.FAILED : DeliveryRepository.PENDING;
        String error = ok ? null : result.error() != null ? result.error() : describe(result);

        Tx tx = new Tx(w.table());
        w.deliveries().finish(tx, d, new DeliveryRepository.Attempt(attempt, result.statusCode(), error, result.durationMs(), now),
                status, next, lease);
        Outbox.Message nextMessage = null;
        if (next != null) {
            long seconds = Math.max(0, (Duration.between(now, next).toMillis() + 999) / 1000);
            nextMessage = w.outbox().add(tx, Events.DELIVERIES_QUEUE, deliveryMessage(id, attempt + 1, next),
                    (int) Math.min(MAX_DELAY_SECONDS, seconds));
        }
        tx.commit();
        if (nextMessage != null) w.outbox().publish(List.of(nextMessage));

        if (ok) {
            if (e.failingSince() != null) w.endpoints().markHealthy(e.id());
            return Outcome.SUCCEEDED;
        }
        if (gone) {
            w.endpoints().disable(e.id(), "the endpoint answered 410 Gone at " + now, now);
            return Outcome.FAILED;
        }
        Instant failingSince = w.endpoints().markFailing(e.id(), now);
        if (failingSince != null && !failingSince.plus(Webhooks.DISABLE_AFTER_FAILING).isAfter(now)) {
            w.endpoints().disable(e.id(), "every delivery failed for " + Webhooks.DISABLE_AFTER_FAILING.toDays()
                    + " days (since " + failingSince + ")", now);
        }
        return next == null ? Outcome.FAILED : Outcome.RETRY_SCHEDULED;
    }

    /**
     * The claim failed. If the attempt has finished (or the delivery moved on), this copy is a
     * duplicate. If it is still held by a lease, the holder may be running it, or may have died
     * mid-attempt: dropping this copy could leave the delivery pending forever (its own copy may
     * come back before the lease runs out, e.g. when it claimed late in a batch), so the message
     * is sent again to be looked at once the lease has run out; by then the attempt has finished
     * (a duplicate then) or its holder is dead (the claim succeeds).
     */
    private Outcome claimLost(String id, int attempt, String body, Instant now) {
        Delivery d = w.deliveries().get(id);
        if (d == null || !DeliveryRepository.PENDING.equals(d.status()) || d.attempts() != attempt - 1) return Outcome.DUPLICATE;
        long seconds = d.leaseUntil() == null ? 1 : Math.max(1, (Duration.between(now, d.leaseUntil()).toMillis() + 999) / 1000 + 1);
        w.queue().send(Events.DELIVERIES_QUEUE, body, (int) Math.min(MAX_DELAY_SECONDS, seconds));
        return Outcome.IN_FLIGHT;
    }

    /** One attempt: the guard again (DNS may have changed since creation), then the signed POST to the checked address. */
    private WebhookSender.Result send(Endpoint e, Delivery d, Instant now) {
        UrlGuard.Target target;
        try {
            target = w.guard().check(e.url());
        } catch (UrlGuard.Refused refused) {
            return new WebhookSender.Result(null, Map.of(), "refused by the SSRF guard: " + refused.getMessage(), 0);
        }
        long timestamp = now.getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", d.id());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", WebhookSignatures.header(w.signingSecrets(e, now), d.id(), timestamp, d.payload()));
        return w.sender().post(target, headers, d.payload(), w.attemptTimeout());
    }

    private static String describe(WebhookSender.Result r) {
        int code = r.statusCode();
        if (code >= 300 && code < 400) {
            return "HTTP " + code + ": redirects are not followed";
        }
        return "HTTP " + code;
    }

    /** Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable. */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        if (v.matches("^[0-9]{1,9}$")) return Duration.ofSeconds(Long.parseLong(v));
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException ex) {
            return null;
        }
    }
}

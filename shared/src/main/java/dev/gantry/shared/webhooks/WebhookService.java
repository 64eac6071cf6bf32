package dev.gantry.shared.webhooks;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.webhooks.WebhookEndpointRepository.Endpoint;
import dev.gantry.shared.webhooks.WebhookEndpointRepository.StoredSecret;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Webhook endpoints and their deliveries as the API manages them (API.md §11). The URL passes the
 * SSRF guard (with DNS) before anything is stored; the signing secret is generated here, returned
 * once, and stored only as envelope ciphertext.
 */
public final class WebhookService {
    private final Webhooks w;

    public WebhookService(Webhooks webhooks) {
        this.w = webhooks;
    }

    public record View(String id, String url, List<String> events, String description, String status, String disabledReason,
                       String createdAt, String updatedAt) {
        public static View of(Endpoint e) {
            return new View(e.id(), e.url(), e.events(), e.description(), e.status(), e.disabledReason(), e.createdAt().toString(),
                    e.updatedAt().toString());
        }
    }

    /** The answer to create: the view plus the secret, this once. */
    public record CreatedView(String id, String url, List<String> events, String description, String status, String disabledReason,
                              String createdAt, String updatedAt, String secret) {
        @Override public String toString() { return "CreatedView[" + id + ", secret=***]"; }
    }

    /** The answer to rotate-secret: the new secret, this once, and when the previous one stops signing. */
    public record RotatedView(String id, String secret, String previousSecretExpiresAt) {
        @Override public String toString() { return "RotatedView[" + id + ", secret=***]"; }
    }

    public record DeliveryView(String id, String endpointId, String eventId, String eventType, String status, int attempts,
                               Integer lastStatusCode, String lastError, String nextAttemptAt, String createdAt) {
        public static DeliveryView of(DeliveryRepository.Delivery d) {
            return new DeliveryView(d.id(), d.endpointId(), d.eventId(), d.eventType(), d.status(), d.attempts(), d.lastStatusCode(),
                    d.lastError(), d.nextAttemptAt() == null ? null : d.nextAttemptAt().toString(), d.createdAt().toString());
        }
    }

    /** One recorded attempt of a delivery, as the API shows it. */
    public record AttemptView(int number, Integer statusCode, String error, long durationMs, String at) {
        public static AttemptView of(DeliveryRepository.Attempt a) {
            return new AttemptView(a.number(), a.statusCode(), a.error(), a.durationMs(), a.at() == null ? null : a.at().toString());
        }
    }

    /** One delivery as the list shows it, plus every recorded attempt, oldest first. */
    public record DeliveryDetailView(String id, String endpointId, String eventId, String eventType, String status, int attempts,
                                     Integer lastStatusCode, String lastError, String nextAttemptAt, String createdAt,
                                     List<AttemptView> attemptLog) {}

    /** Checks a URL fully (form and DNS), as a 400 on field {@code url} when refused. */
    private String checkedUrl(String url) {
        try {
            w.guard().check(url);
            return url;
        } catch (UrlGuard.Refused e) {
            throw ApiException.validation("url", e.getMessage());
        }
    }

    public CreatedView create(Principal principal, String url, List<String> events, String description, Caller caller) {
        checkedUrl(url);
        WorkspaceRepository.Workspace ws = w.workspaces().get(principal.workspaceId(), true);
        if (ws == null) throw ApiException.notFound("workspace");
        Instant now = w.clock().instant();
        String id = Ids.newId("whe", now);
        String secret = WebhookSignatures.newSecret();
        String secretId = Ids.newId("whs", now);
        String ciphertext = w.cipher().get().encrypt(secret, Webhooks.secretAad(ws.id(), id, secretId));
        Endpoint e = new Endpoint(id, ws.id(), url, List.copyOf(events), description, "enabled", null,
                List.of(new StoredSecret(secretId, ciphertext, now, null)), null, now, now, 1);
        Tx tx = new Tx(w.table());
        w.workspaces().reserve(tx, ws, Plan.Resource.WEBHOOK_ENDPOINTS);
        w.endpoints().create(tx, e);
        w.audit().record(tx, caller, null, ws.id(), "webhook_endpoint.created", "webhook_endpoint", id, Map.of("events", events));
        tx.commit();
        return new CreatedView(id, url, e.events(), description, e.status(), null, now.toString(), now.toString(), secret);
    }

    public Endpoint require(Principal principal, String id) {
        Endpoint e = Ids.isValid("whe", id) ? w.endpoints().get(id) : null;
        if (e == null || !e.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("webhook_endpoint");
        return e;
    }

    public Page<View> list(Principal principal, int limit, String cursor) {
        String scope = "webhook_endpoints:" + principal.workspaceId();
        var slice = w.endpoints().list(principal.workspaceId(), limit, w.cursors().decode(scope, cursor));
        return new Page<>(slice.endpoints().stream().map(View::of).toList(), w.cursors().encode(scope, slice.lastKey()));
    }

    /** What PATCH may change; null fields stay as they are ({@code clearDescription} sets it to none). */
    public record Change(String url, List<String> events, String status, String description, boolean clearDescription) {}

    public Endpoint update(Principal principal, String id, Change change, Long expectedVersion, Caller caller) {
        Endpoint e = require(principal, id);
        if (expectedVersion != null && expectedVersion != e.version()) throw ApiException.preconditionFailed(null);
        if (change.url() != null && !change.url().equals(e.url())) checkedUrl(change.url());
        Instant now = w.clock().instant();
        String status = change.status() != null ? change.status() : e.status();
        boolean reenabled = "enabled".equals(status) && !e.enabled();
        String disabledReason = "enabled".equals(status) ? null
                : e.enabled() ? "disabled by " + (caller.principal() == null ? "a member" : caller.principal().actorType()) : e.disabledReason();
        Endpoint changed = new Endpoint(e.id(), e.workspaceId(), change.url() != null ? change.url() : e.url(),
                change.events() != null ? List.copyOf(change.events()) : e.events(),
                change.clearDescription() ? null : change.description() != null ? change.description() : e.description(),
                status, disabledReason, e.secrets(), reenabled ? null : e.failingSince(), e.createdAt(), now, e.version() + 1);
        Tx tx = new Tx(w.table());
        w.endpoints().update(tx, changed, e.version(), expectedVersion != null);
        w.audit().record(tx, caller, null, e.workspaceId(), "webhook_endpoint.updated", "webhook_endpoint", id, Map.of());
        tx.commit();
        return changed;
    }

    public void delete(Principal principal, String id, Long expectedVersion, Caller caller) {
        Endpoint e = require(principal, id);
        if (expectedVersion != null && expectedVersion != e.version()) throw ApiException.preconditionFailed(null);
        Tx tx = new Tx(w.table());
        w.endpoints().delete(tx, id, e.version(), expectedVersion != null);
        w.workspaces().release(tx, e.workspaceId(), Plan.Resource.WEBHOOK_ENDPOINTS);
        w.audit().record(tx, caller, null, e.workspaceId(), "webhook_endpoint.deleted", "webhook_endpoint", id, Map.of());
        tx.commit();
    }

    /**
     * A new current secret; the previous current one keeps signing for 24 h beside it. Secrets
     * rotated out earlier and already expired are dropped; one still in its overlap is cut short
     * to expire with the one rotated out now, so at most two secrets sign at once.
     */
    public RotatedView rotate(Principal principal, String id, Long expectedVersion, Caller caller) {
        Endpoint e = require(principal, id);
        if (expectedVersion != null && expectedVersion != e.version()) throw ApiException.preconditionFailed(null);
        Instant now = w.clock().instant();
        Instant expires = now.plus(Webhooks.ROTATION_OVERLAP);
        List<StoredSecret> kept = new ArrayList<>();
        String secret = WebhookSignatures.newSecret();
        String secretId = Ids.newId("whs", now);
        kept.add(new StoredSecret(secretId, w.cipher().get().encrypt(secret, Webhooks.secretAad(e.workspaceId(), id, secretId)), now, null));
        for (StoredSecret s : e.secrets()) {
            if (s.expiresAt() == null) kept.add(new StoredSecret(s.id(), s.ciphertext(), s.createdAt(), expires));
        }
        Tx tx = new Tx(w.table());
        w.endpoints().setSecrets(tx, id, kept, now, e.version(), expectedVersion != null);
        w.audit().record(tx, caller, null, e.workspaceId(), "webhook_endpoint.secret_rotated", "webhook_endpoint", id, Map.of());
        tx.commit();
        return new RotatedView(id, secret, expires.toString());
    }

    /** Sends a {@code ping} event to this endpoint only (not through the fan-out). */
    public DeliveryView test(Principal principal, String id, Caller caller) {
        Endpoint e = require(principal, id);
        if (!e.enabled()) throw ApiException.conflict("conflict", "This webhook endpoint is disabled; enable it first.");
        Tx tx = new Tx(w.table());
        Events.Event event = w.events().record(tx, e.workspaceId(), EventTypes.PING, Map.of("endpoint_id", id));
        Instant now = event.createdAt();
        var d = new DeliveryRepository.Delivery(DeliveryIds.of(event.id(), id), e.workspaceId(), id, event.id(), event.type(),
                event.payload(), DeliveryRepository.PENDING, 0, null, null, now, now, null);
        w.deliveries().create(tx, d, ApiException.conflict("conflict", "Delivery id collision; try again."));
        Outbox.Message m = w.outbox().add(tx, Events.DELIVERIES_QUEUE, WebhookDispatcher.deliveryMessage(d.id(), 1, now), 0);
        tx.commit();
        w.outbox().publish(List.of(m));
        return DeliveryView.of(d);
    }

    public Page<DeliveryView> deliveries(Principal principal, String id, String status, int limit, String cursor) {
        require(principal, id);
        String scope = "webhook_deliveries:" + id + ":" + (status == null ? "*" : status);
        var slice = w.deliveries().list(id, status, limit, w.cursors().decode(scope, cursor));
        return new Page<>(slice.deliveries().stream().map(DeliveryView::of).toList(), w.cursors().encode(scope, slice.lastKey()));
    }

    /** The endpoint's delivery, or 404 {@code delivery_not_found} (missing, another endpoint's or another workspace's). */
    private DeliveryRepository.Delivery requireDelivery(Principal principal, String id, String deliveryId) {
        DeliveryRepository.Delivery d = Ids.isValid("msg", deliveryId) ? w.deliveries().get(deliveryId) : null;
        if (d == null || !d.endpointId().equals(id) || !d.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("delivery");
        return d;
    }

    /** One delivery of this endpoint with its recorded attempts, oldest first. */
    public DeliveryDetailView delivery(Principal principal, String id, String deliveryId) {
        require(principal, id);
        DeliveryRepository.Delivery d = requireDelivery(principal, id, deliveryId);
        DeliveryView v = DeliveryView.of(d);
        List<AttemptView> attempts = w.deliveries().attempts(d.id()).stream().map(AttemptView::of).toList();
        return new DeliveryDetailView(v.id(), v.endpointId(), v.eventId(), v.eventType(), v.status(), v.attempts(), v.lastStatusCode(),
                v.lastError(), v.nextAttemptAt(), v.createdAt(), attempts);
    }

    /** A new attempt now, with the same webhook-id; the schedule continues from it if it fails. */
    public DeliveryView redeliver(Principal principal, String id, String deliveryId, Caller caller) {
        Endpoint e = require(principal, id);
        DeliveryRepository.Delivery d = requireDelivery(principal, id, deliveryId);
        if (!e.enabled()) throw ApiException.conflict("conflict", "This webhook endpoint is disabled; enable it first.");
        Instant now = w.clock().instant();
        Tx tx = new Tx(w.table());
        w.deliveries().reopen(tx, d, now, () -> ApiException.conflict("conflict", "An attempt of this delivery is running; try again in a minute."));
        Outbox.Message m = w.outbox().add(tx, Events.DELIVERIES_QUEUE, WebhookDispatcher.deliveryMessage(d.id(), d.attempts() + 1, now), 0);
        w.audit().record(tx, caller, null, e.workspaceId(), "webhook_delivery.redelivered", "webhook_delivery", d.id(), Map.of("endpoint_id", id));
        tx.commit();
        w.outbox().publish(List.of(m));
        return DeliveryView.of(w.deliveries().get(d.id()));
    }
}

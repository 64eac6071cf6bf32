package dev.gantry.shared.webhooks;

import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.Table;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the webhook services share, built once per container by the wiring: the table and its
 * repositories, the outbox, the envelope cipher (secrets), the SSRF guard, the sender, the
 * per-attempt timeout (10 s; tests shorten it), the clock (tests move it) and the queue sender
 * (which re-sends a delivery message whose due time is further away than SQS can delay).
 */
public record Webhooks(Table table, Clock clock, Cursors cursors, AuditLog audit, Outbox outbox, Supplier<EnvelopeCipher> cipher,
                       WorkspaceRepository workspaces, WebhookEndpointRepository endpoints, DeliveryRepository deliveries, Events events,
                       UrlGuard guard, WebhookSender sender, Duration attemptTimeout, QueueSender queue) {

    /** API.md §11: 2xx within 10 s is success. */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    /** How long a rotated-out secret keeps signing. */
    public static final Duration ROTATION_OVERLAP = Duration.ofHours(24);
    /** An endpoint whose deliveries have all failed this long is disabled. */
    public static final Duration DISABLE_AFTER_FAILING = Duration.ofDays(5);

    public static Webhooks over(Table table, Clock clock, Cursors cursors, AuditLog audit, Outbox outbox, Supplier<EnvelopeCipher> cipher,
                                WorkspaceRepository workspaces, UrlGuard guard, WebhookSender sender, Duration attemptTimeout,
                                QueueSender queue) {
        return new Webhooks(table, clock, cursors, audit, outbox, cipher, workspaces, new WebhookEndpointRepository(table),
                new DeliveryRepository(table), new Events(outbox, clock), guard, sender, attemptTimeout, queue);
    }

    /** A copy with another attempt timeout (tests of slow receivers). */
    public Webhooks withAttemptTimeout(Duration timeout) {
        return new Webhooks(table, clock, cursors, audit, outbox, cipher, workspaces, endpoints, deliveries, events, guard, sender, timeout, queue);
    }

    /** The AAD of one stored signing secret: bound to its workspace, endpoint and secret id. */
    static Aad secretAad(String workspaceId, String endpointId, String secretId) {
        return Aad.of(workspaceId, "webhook_endpoint", endpointId, "secret:" + secretId);
    }

    /** The secrets that sign at {@code now}, current first: the current one and every rotated one not yet expired. */
    public List<String> signingSecrets(WebhookEndpointRepository.Endpoint e, Instant now) {
        List<String> out = new ArrayList<>();
        for (var s : e.secrets()) {
            if (s.expiresAt() == null) out.add(0, cipher.get().decrypt(s.ciphertext(), secretAad(e.workspaceId(), e.id(), s.id())));
        }
        for (var s : e.secrets()) {
            if (s.expiresAt() != null && s.expiresAt().isAfter(now)) {
                out.add(cipher.get().decrypt(s.ciphertext(), secretAad(e.workspaceId(), e.id(), s.id())));
            }
        }
        return out;
    }
}

package dev.gantry.shared.github;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The receiving half of GitHub webhooks (API.md §10): after the signature is verified, record the
 * delivery and put the event's extract on the {@code github-events} queue, in one transaction (the
 * outbox), and answer. The work happens in the worker ({@link GitHubEventProcessor}), so GitHub's
 * 10-second delivery timeout is never at risk.
 */
public final class GitHubIngestService {
    public static final String QUEUE = "github-events";

    private final Table table;
    private final GitHubDeliveries deliveries;
    private final Outbox outbox;
    private final Clock clock;

    public GitHubIngestService(Table table, GitHubDeliveries deliveries, Outbox outbox, Clock clock) {
        this.table = table;
        this.deliveries = deliveries;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** {@code duplicate}: the delivery id already completed and nothing was done. {@code queued}: an extract was enqueued. */
    public record Received(boolean duplicate, boolean queued) {}

    /**
     * Records and enqueues one verified delivery. The body is parsed only for handled events: an
     * ignored event (which may be the 25 MB kind) is just recorded, completed at once.
     */
    public Received receive(String deliveryId, String event, byte[] body) {
        GitHubEvents.Event extract = GitHubEvents.HANDLED.contains(event) ? GitHubEvents.parse(event, deliveryId, Json.parseBody(body)) : null;
        Instant now = clock.instant();
        Tx tx = new Tx(table);
        deliveries.record(tx, deliveryId, event, action(extract), extract == null ? GitHubDeliveries.COMPLETED : GitHubDeliveries.RECEIVED, now);
        Outbox.Message message = extract == null ? null : outbox.add(tx, QUEUE, GitHubEvents.message(extract), 0);
        try {
            tx.commit();
        } catch (GitHubDeliveries.AlreadyCompleted e) {
            return new Received(true, false);
        }
        if (message != null) outbox.publish(List.of(message));
        return new Received(false, message != null);
    }

    private static String action(GitHubEvents.Event e) {
        return switch (e) {
            case null -> null;
            case GitHubEvents.Installation i -> i.action();
            case GitHubEvents.WorkflowRun w -> w.action();
            case GitHubEvents.Repository r -> r.action();
            default -> null;
        };
    }
}

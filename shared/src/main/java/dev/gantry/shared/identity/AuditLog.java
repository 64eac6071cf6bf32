package dev.gantry.shared.identity;

import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.util.Map;

/** Builds audit entries for mutations and serves the audit log. Secrets never go into metadata. */
public final class AuditLog {
    private final AuditRepository repository;
    private final Cursors cursors;
    private final Clock clock;

    public AuditLog(AuditRepository repository, Cursors cursors, Clock clock) {
        this.repository = repository;
        this.cursors = cursors;
        this.clock = clock;
    }

    public record View(String id, String action, AuditRepository.Actor actor, AuditRepository.Target target, String ip,
                       String requestId, String createdAt, Map<String, Object> metadata) {}

    /** Adds an entry to {@code tx}, acted by the caller (or by {@code actingUserId} on public routes). */
    public void record(Tx tx, Caller caller, String actingUserId, String workspaceId, String action, String targetType, String targetId,
                       Map<String, Object> metadata) {
        AuditRepository.Actor actor = caller.principal() != null
                ? new AuditRepository.Actor(caller.principal().actorType(), caller.principal().actorId())
                : new AuditRepository.Actor("user", actingUserId);
        var now = clock.instant();
        repository.append(tx, new AuditRepository.Entry(Ids.newId("aud", now), workspaceId, action, actor,
                new AuditRepository.Target(targetType, targetId), caller.ip(), caller.requestId(), now.toString(),
                metadata == null ? Map.of() : metadata));
    }

    public Page<View> list(String workspaceId, String action, int limit, String cursor) {
        String scope = "audit:" + workspaceId + ":" + (action == null ? "*" : action);
        var slice = repository.list(workspaceId, action, limit, cursors.decode(scope, cursor));
        return new Page<>(slice.entries().stream().map(e -> new View(e.id(), e.action(), e.actor(), e.target(), e.ip(), e.requestId(),
                e.createdAt(), e.metadata())).toList(), cursors.encode(scope, slice.lastKey()));
    }
}

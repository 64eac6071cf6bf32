package dev.gantry.shared.identity;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The caller's account and workspace: /me, the workspace, its subscription. */
public final class WorkspaceService {
    private final Table table;
    private final WorkspaceRepository workspaces;
    private final AuditLog audit;
    private final Clock clock;

    public WorkspaceService(Table table, WorkspaceRepository workspaces, AuditLog audit, Clock clock) {
        this.table = table;
        this.workspaces = workspaces;
        this.audit = audit;
        this.clock = clock;
    }

    /** One BatchGetItem: the user and the workspace (with its quota counters). */
    public Views.MeView me(Principal principal) {
        var userKey = Keys.user(principal.userId());
        var wsKey = Keys.workspace(principal.workspaceId());
        var items = table.batchGet(List.of(userKey, wsKey), false);
        var userItem = items.get(Table.keyString(userKey));
        var wsItem = items.get(Table.keyString(wsKey));
        if (userItem == null || wsItem == null) throw ApiException.unauthorized("The token's user or workspace no longer exists.");
        var user = UserRepository.fromItem(userItem);
        var ws = WorkspaceRepository.fromItem(wsItem);
        return new Views.MeView(user.id(), user.email(), user.name(), user.githubLogin(), ws.id(), principal.role().wireName(),
                ws.plan().wireName(), Views.quota(ws));
    }

    /** The workspace and its version (what If-Match on its PATCH is made atomic with). */
    public Views.Versioned<Views.WorkspaceView> get(Principal principal) {
        var ws = require(principal.workspaceId(), false);
        return new Views.Versioned<>(Views.WorkspaceView.of(ws), ws.version());
    }

    public Views.WorkspaceView rename(Principal principal, String name, Caller caller) {
        return rename(principal, name, null, caller);
    }

    /**
     * Renames; {@code expectedVersion} (If-Match, may be null) must still be the workspace's
     * version when it is read here and when it is written, else 412 and nothing is written.
     */
    public Views.WorkspaceView rename(Principal principal, String name, Long expectedVersion, Caller caller) {
        var before = require(principal.workspaceId(), true);
        ItemVersion.require(expectedVersion, before.version());
        if (!before.name().equals(name)) {
            Tx tx = new Tx(table);
            workspaces.rename(tx, before.id(), name, expectedVersion);
            audit.record(tx, caller, principal.userId(), before.id(), "workspace.updated", "workspace", before.id(),
                    Map.of("name", Map.of("from", before.name(), "to", name)));
            tx.commit();
        }
        return Views.WorkspaceView.of(require(principal.workspaceId(), true));
    }

    public Views.SubscriptionView subscription(Principal principal) {
        return Views.SubscriptionView.of(settlePeriod(require(principal.workspaceId(), true)));
    }

    public Views.SubscriptionView changePlan(Principal principal, Plan plan, Caller caller) {
        var before = require(principal.workspaceId(), true);
        var after = workspaces.changePlan(before.id(), plan);
        recordAlone(caller, principal, "subscription.changed", Map.of("plan", Map.of("from", before.plan().wireName(), "to", plan.wireName())));
        return Views.SubscriptionView.of(after);
    }

    public Views.SubscriptionView cancel(Principal principal, Caller caller) {
        var after = workspaces.setCancelAtPeriodEnd(principal.workspaceId(), true);
        recordAlone(caller, principal, "subscription.cancelled", Map.of("plan", after.plan().wireName(),
                "reverts_to_free_at", after.currentPeriodEnd().toString()));
        return Views.SubscriptionView.of(after);
    }

    /**
     * Billing is not wired to a payment provider: periods roll every 30 days, and a cancelled paid
     * plan reverts to free when its period ends (checked when the subscription is read).
     */
    private WorkspaceRepository.Workspace settlePeriod(WorkspaceRepository.Workspace ws) {
        Instant now = clock.instant();
        if (now.isBefore(ws.currentPeriodEnd()) || !ws.cancelAtPeriodEnd() || ws.plan() == Plan.FREE) return ws;
        try {
            return workspaces.changePlan(ws.id(), Plan.FREE);
        } catch (ApiException usageAboveFree) {
            return ws; // stays on its plan until usage fits; the subscription still says cancel_at_period_end
        }
    }

    private void recordAlone(Caller caller, Principal principal, String action, Map<String, Object> metadata) {
        Tx tx = new Tx(table);
        audit.record(tx, caller, principal.userId(), principal.workspaceId(), action, "workspace", principal.workspaceId(), metadata);
        tx.commit();
    }

    private WorkspaceRepository.Workspace require(String workspaceId, boolean consistent) {
        var ws = workspaces.get(workspaceId, consistent);
        if (ws == null) throw ApiException.notFound("workspace");
        return ws;
    }
}

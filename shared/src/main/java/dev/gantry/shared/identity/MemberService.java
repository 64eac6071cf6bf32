package dev.gantry.shared.identity;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.util.Map;

/**
 * Members and roles. Nobody grants a role above their own or touches a member above them; the
 * last owner can be neither demoted nor removed (a condition on the workspace's owner count,
 * inside the same transaction).
 */
public final class MemberService {
    private final Table table;
    private final UserRepository users;
    private final WorkspaceRepository workspaces;
    private final MemberRepository members;
    private final AuditLog audit;
    private final Cursors cursors;
    private final Clock clock;

    public MemberService(Table table, UserRepository users, WorkspaceRepository workspaces, MemberRepository members,
                         AuditLog audit, Cursors cursors, Clock clock) {
        this.table = table;
        this.users = users;
        this.workspaces = workspaces;
        this.members = members;
        this.audit = audit;
        this.cursors = cursors;
        this.clock = clock;
    }

    public Page<Views.MemberView> list(Principal principal, int limit, String cursor) {
        String scope = "members:" + principal.workspaceId();
        var slice = members.list(principal.workspaceId(), limit, cursors.decode(scope, cursor));
        var byId = users.getAll(slice.members().stream().map(MemberRepository.Member::userId).toList());
        var data = slice.members().stream().filter(m -> byId.containsKey(m.userId()))
                .map(m -> view(m, byId.get(m.userId()))).toList();
        return new Page<>(data, cursors.encode(scope, slice.lastKey()));
    }

    public Views.MemberView get(Principal principal, String userId) {
        return getVersioned(principal, userId).view();
    }

    /** The member and the member item's version (it covers the role, not the user's name or email). */
    public Views.Versioned<Views.MemberView> getVersioned(Principal principal, String userId) {
        var member = requireMember(principal.workspaceId(), userId);
        var user = users.get(userId);
        if (user == null) throw ApiException.notFound("member");
        return new Views.Versioned<>(view(member, user), member.version());
    }

    public Views.MemberView add(Principal principal, String email, Role role, Caller caller) {
        requireMayGrant(principal, role);
        String userId = users.findIdByEmail(email);
        var user = userId == null ? null : users.get(userId);
        if (user == null) throw ApiException.notFound("user");
        var ws = workspaces.get(principal.workspaceId(), true);
        if (ws == null) throw ApiException.notFound("workspace");
        var member = new MemberRepository.Member(ws.id(), user.id(), role, clock.instant());

        Tx tx = new Tx(table);
        members.add(tx, member);
        workspaces.reserve(tx, ws, Plan.Resource.MEMBERS);
        if (role == Role.OWNER) workspaces.changeOwnerCount(tx, ws.id(), +1);
        audit.record(tx, caller, principal.userId(), ws.id(), "member.added", "user", user.id(), Map.of("role", role.wireName()));
        tx.commit();
        return view(member, user);
    }

    public Views.MemberView changeRole(Principal principal, String userId, Role role, Caller caller) {
        return changeRole(principal, userId, role, null, caller);
    }

    /** {@code expectedVersion} (If-Match, may be null): the member must still be that version, else 412 and nothing is written. */
    public Views.MemberView changeRole(Principal principal, String userId, Role role, Long expectedVersion, Caller caller) {
        var current = requireMember(principal.workspaceId(), userId);
        ItemVersion.require(expectedVersion, current.version());
        requireMayGrant(principal, role);
        requireMayManage(principal, current);
        if (current.role() != role) {
            Tx tx = new Tx(table);
            members.changeRole(tx, current.workspaceId(), userId, current.role(), role, expectedVersion);
            workspaces.changeOwnerCount(tx, current.workspaceId(), ownerDelta(current.role(), role));
            audit.record(tx, caller, principal.userId(), current.workspaceId(), "member.role_changed", "user", userId,
                    Map.of("role", Map.of("from", current.role().wireName(), "to", role.wireName())));
            tx.commit();
        }
        var updated = new MemberRepository.Member(current.workspaceId(), userId, role, current.joinedAt(),
                current.role() != role ? current.version() + 1 : current.version());
        return view(updated, users.get(userId));
    }

    public void remove(Principal principal, String userId, Caller caller) {
        remove(principal, userId, null, caller);
    }

    /** {@code expectedVersion} (If-Match, may be null): the member must still be that version, else 412 and nothing is removed. */
    public void remove(Principal principal, String userId, Long expectedVersion, Caller caller) {
        boolean self = principal.userId().equals(userId);
        if (!self && !principal.role().atLeast(Role.ADMIN)) {
            throw ApiException.forbidden("Removing another member needs the admin role or higher.");
        }
        var current = requireMember(principal.workspaceId(), userId);
        if (!self) requireMayManage(principal, current);
        ItemVersion.require(expectedVersion, current.version());
        Tx tx = new Tx(table);
        members.remove(tx, current.workspaceId(), userId, current.role(), expectedVersion);
        workspaces.release(tx, current.workspaceId(), Plan.Resource.MEMBERS);
        if (current.role() == Role.OWNER) workspaces.changeOwnerCount(tx, current.workspaceId(), -1);
        audit.record(tx, caller, principal.userId(), current.workspaceId(), "member.removed", "user", userId,
                Map.of("role", current.role().wireName()));
        tx.commit();
    }

    private MemberRepository.Member requireMember(String workspaceId, String userId) {
        var m = Ids.isValid("usr", userId) ? members.get(workspaceId, userId, true) : null;
        if (m == null) throw ApiException.notFound("member");
        return m;
    }

    private static void requireMayGrant(Principal principal, Role role) {
        if (!principal.role().atLeast(role)) {
            throw ApiException.forbidden("You cannot grant a role above your own (" + principal.role().wireName() + ").");
        }
    }

    private static void requireMayManage(Principal principal, MemberRepository.Member target) {
        if (!principal.role().atLeast(target.role())) {
            throw ApiException.forbidden("You cannot change a member whose role is above your own.");
        }
    }

    private static int ownerDelta(Role from, Role to) {
        return (to == Role.OWNER ? 1 : 0) - (from == Role.OWNER ? 1 : 0);
    }

    private static Views.MemberView view(MemberRepository.Member m, UserRepository.User u) {
        return new Views.MemberView(m.userId(), u.email(), u.name(), m.role().wireName(), m.joinedAt().toString());
    }
}

package dev.gantry.shared.identity;

import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.auth.PasswordHasher;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.RefreshTokens;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Sign-up, log-in, refresh (single use, with reuse detection), log-out and workspace switching. */
public final class AuthService {
    static final Duration BILLING_PERIOD = Duration.ofDays(30);

    private final Table table;
    private final UserRepository users;
    private final WorkspaceRepository workspaces;
    private final MemberRepository members;
    private final SessionRepository sessions;
    private final AuditLog audit;
    private final PasswordHasher hasher;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final Cursors cursors;
    private final Duration refreshTtl;
    private final Clock clock;

    public AuthService(Table table, UserRepository users, WorkspaceRepository workspaces, MemberRepository members,
                       SessionRepository sessions, AuditLog audit, PasswordHasher hasher, AccessTokens accessTokens,
                       RefreshTokens refreshTokens, Cursors cursors, Duration refreshTtl, Clock clock) {
        this.table = table;
        this.users = users;
        this.workspaces = workspaces;
        this.members = members;
        this.sessions = sessions;
        this.audit = audit;
        this.hasher = hasher;
        this.accessTokens = accessTokens;
        this.refreshTokens = refreshTokens;
        this.cursors = cursors;
        this.refreshTtl = refreshTtl;
        this.clock = clock;
    }

    public Views.SignupView signup(String email, String password, String name, String workspaceName, Caller caller) {
        Instant now = clock.instant();
        var user = new UserRepository.User(Ids.newId("usr", now), email.trim(), name, hasher.hash(password), null, now);
        Map<Plan.Resource, Long> usage = new EnumMap<>(Plan.Resource.class);
        usage.put(Plan.Resource.MEMBERS, 1L);
        var ws = new WorkspaceRepository.Workspace(Ids.newId("ws", now),
                workspaceName != null ? workspaceName : defaultWorkspaceName(name), Plan.FREE, now, usage, 1, now.plus(BILLING_PERIOD), false);
        String sessionId = Ids.newId("ses", now);

        Tx tx = new Tx(table);
        users.create(tx, user);
        workspaces.create(tx, ws);
        members.add(tx, new MemberRepository.Member(ws.id(), user.id(), Role.OWNER, now));
        sessions.create(tx, new SessionRepository.Session(sessionId, user.id(), ws.id(), 0, null, now.plus(refreshTtl), now.toEpochMilli()));
        audit.record(tx, caller, user.id(), ws.id(), "user.signed_up", "user", user.id(), Map.of("workspace_name", ws.name()));
        tx.commit();

        var pair = tokens(user.id(), ws.id(), sessionId, 0, now);
        return new Views.SignupView(Views.UserView.of(user), Views.WorkspaceView.of(ws), pair.token(), pair.expiresAt(), pair.refreshToken());
    }

    /** A login that has started: its user, the workspace it acts in, and its tokens. */
    public record Started(String userId, String workspaceId, Views.TokenPair tokens) {}

    /** Items a sign-in through a provider writes in the same transaction as the new session. */
    @FunctionalInterface
    public interface SessionExtras {
        void addTo(Tx tx, String userId, String workspaceId);
    }

    /**
     * GitHub sign-in of someone new: a user with no password (password login fails for them with
     * {@code invalid_credentials}), linked to the GitHub user, owning a new free workspace exactly as
     * {@link #signup} makes one, and a first login. A taken email or GitHub id fails with 409.
     */
    public Started signupWithGitHub(String email, String name, long githubId, String githubLogin, Caller caller) {
        Instant now = clock.instant();
        var user = new UserRepository.User(Ids.newId("usr", now), email.trim(), name, null, githubLogin, now);
        Map<Plan.Resource, Long> usage = new EnumMap<>(Plan.Resource.class);
        usage.put(Plan.Resource.MEMBERS, 1L);
        var ws = new WorkspaceRepository.Workspace(Ids.newId("ws", now), defaultWorkspaceName(name), Plan.FREE, now, usage, 1,
                now.plus(BILLING_PERIOD), false);
        String sessionId = Ids.newId("ses", now);

        Tx tx = new Tx(table);
        users.createWithGitHub(tx, user, githubId);
        workspaces.create(tx, ws);
        members.add(tx, new MemberRepository.Member(ws.id(), user.id(), Role.OWNER, now));
        sessions.create(tx, new SessionRepository.Session(sessionId, user.id(), ws.id(), 0, null, now.plus(refreshTtl), now.toEpochMilli()));
        audit.record(tx, caller, user.id(), ws.id(), "user.signed_up", "user", user.id(),
                Map.of("workspace_name", ws.name(), "method", "github", "github_login", githubLogin));
        audit.record(tx, caller, user.id(), ws.id(), "auth.login", "user", user.id(), Map.of("method", "github"));
        tx.commit();
        return new Started(user.id(), ws.id(), tokens(user.id(), ws.id(), sessionId, 0, now));
    }

    /**
     * A login of a known user established by a provider (no password): in the workspace the user
     * owns, else their oldest membership, with {@code extras} in the session's transaction.
     */
    public Started signInAs(String userId, String method, Caller caller, SessionExtras extras) {
        String workspaceId = defaultWorkspace(userId);
        return new Started(userId, workspaceId, startSession(userId, workspaceId, caller, method, extras));
    }

    public Views.TokenPair login(String email, String password, String workspaceId, Caller caller) {
        // Same work whether or not the email exists: one read, one bcrypt verification.
        UserRepository.Credentials credentials = users.findCredentials(email);
        boolean verified = credentials != null && credentials.passwordHash() != null
                ? hasher.verify(password, credentials.passwordHash())
                : hasher.verifyNothing(password);
        if (!verified) throw ApiException.invalidCredentials();

        String userId = credentials.userId();
        String target = workspaceId != null ? requireMembership(workspaceId, userId).workspaceId() : defaultWorkspace(userId);
        return startSession(userId, target, caller, "password");
    }

    public Views.TokenPair refresh(String refreshToken, Caller caller) {
        RefreshTokens.Parsed parsed = refreshTokens.parse(refreshToken);
        if (parsed == null) throw ApiException.unauthorized("The refresh token is not valid.");
        SessionRepository.Session session = sessions.get(parsed.sessionId());
        if (session == null) throw ApiException.unauthorized("The refresh token is not valid.");
        if (session.revoked()) throw ApiException.tokenRevoked();
        Instant now = clock.instant();
        if (!now.isBefore(session.expiresAt())) throw ApiException.tokenExpired();
        if (parsed.generation() > session.generation()) throw ApiException.unauthorized("The refresh token is not valid.");
        if (parsed.generation() < session.generation() || !sessions.advance(session.id(), parsed.generation())) {
            revokeForReuse(session, caller);
            throw ApiException.tokenRevoked();
        }
        var memberKey = dev.gantry.shared.store.Keys.member(session.workspaceId(), session.userId());
        var userKey = dev.gantry.shared.store.Keys.user(session.userId());
        var items = table.batchGet(List.of(memberKey, userKey), true);
        if (UserRepository.loginEnded(items.get(Table.keyString(userKey)), session.createdMs())) {
            throw ApiException.tokenRevoked();
        }
        if (items.get(Table.keyString(memberKey)) == null) {
            Tx tx = new Tx(table);
            sessions.revoke(tx, session.id(), now);
            tx.commit();
            throw ApiException.unauthorized("The user is no longer a member of the token's workspace.");
        }
        return tokens(session.userId(), session.workspaceId(), session.id(), parsed.generation() + 1, now);
    }

    public Views.Ok logout(Principal principal, Caller caller) {
        if (principal.sessionId() == null) {
            throw ApiException.validation("authorization", "log-out ends a login; an API key is revoked with DELETE /v1/api-keys/{id}");
        }
        Tx tx = new Tx(table);
        sessions.revoke(tx, principal.sessionId(), clock.instant());
        audit.record(tx, caller, principal.userId(), principal.workspaceId(), "auth.logout", "user", principal.userId(), Map.of());
        tx.commit();
        return new Views.Ok(true);
    }

    public Views.TokenPair switchWorkspace(Principal principal, String workspaceId, Caller caller) {
        if (principal.sessionId() == null) {
            throw ApiException.validation("authorization", "an API key belongs to its workspace; switching needs a login");
        }
        requireMembership(workspaceId, principal.userId());
        return startSession(principal.userId(), workspaceId, caller, "switch");
    }

    public Page<Views.MembershipView> workspacesOf(Principal principal, int limit, String cursor) {
        String userId = principal.userId();
        if (principal.sessionId() == null) {
            // An API key sees the one workspace it belongs to, never its creator's others.
            var ws = workspaces.get(principal.workspaceId(), false);
            if (ws == null) throw ApiException.notFound("workspace");
            return new Page<>(List.of(new Views.MembershipView(ws.id(), ws.name(), principal.role().wireName(), ws.plan().wireName())), null);
        }
        String scope = "workspaces:" + userId;
        var slice = members.membershipsOf(userId, limit, cursors.decode(scope, cursor));
        var byId = workspaces.getAll(slice.members().stream().map(MemberRepository.Member::workspaceId).toList());
        List<Views.MembershipView> data = slice.members().stream()
                .filter(m -> byId.containsKey(m.workspaceId()))
                .map(m -> {
                    var ws = byId.get(m.workspaceId());
                    return new Views.MembershipView(ws.id(), ws.name(), m.role().wireName(), ws.plan().wireName());
                }).toList();
        return new Page<>(data, cursors.encode(scope, slice.lastKey()));
    }

    private Views.TokenPair startSession(String userId, String workspaceId, Caller caller, String method) {
        return startSession(userId, workspaceId, caller, method, null);
    }

    private Views.TokenPair startSession(String userId, String workspaceId, Caller caller, String method, SessionExtras extras) {
        Instant now = clock.instant();
        String sessionId = Ids.newId("ses", now);
        Tx tx = new Tx(table);
        sessions.create(tx, new SessionRepository.Session(sessionId, userId, workspaceId, 0, null, now.plus(refreshTtl), now.toEpochMilli()));
        audit.record(tx, caller, userId, workspaceId, "auth.login", "user", userId, Map.of("method", method));
        if (extras != null) extras.addTo(tx, userId, workspaceId);
        tx.commit();
        return tokens(userId, workspaceId, sessionId, 0, now);
    }

    private void revokeForReuse(SessionRepository.Session session, Caller caller) {
        Tx tx = new Tx(table);
        sessions.revoke(tx, session.id(), clock.instant());
        audit.record(tx, caller, session.userId(), session.workspaceId(), "auth.refresh_token_reused", "user", session.userId(),
                Map.of("session_revoked", true));
        tx.commit();
    }

    private Views.TokenPair tokens(String userId, String workspaceId, String sessionId, long generation, Instant now) {
        AccessTokens.Issued access = accessTokens.issue(userId, workspaceId, sessionId, now);
        return new Views.TokenPair(access.token(), access.expiresAt().toString(), refreshTokens.mint(sessionId, generation));
    }

    private MemberRepository.Member requireMembership(String workspaceId, String userId) {
        MemberRepository.Member m = Ids.isValid("ws", workspaceId) ? members.get(workspaceId, userId, true) : null;
        if (m == null) throw ApiException.notFound("workspace");
        return m;
    }

    /** The oldest workspace the user owns, else their oldest membership. */
    private String defaultWorkspace(String userId) {
        var memberships = members.membershipsOf(userId, 100, null).members();
        return memberships.stream().filter(m -> m.role() == Role.OWNER).findFirst()
                .or(() -> memberships.stream().min(Comparator.comparing(MemberRepository.Member::joinedAt)))
                .map(MemberRepository.Member::workspaceId)
                .orElseThrow(() -> ApiException.forbidden("This account belongs to no workspace."));
    }

    private static String defaultWorkspaceName(String name) {
        String base = name + "'s workspace";
        return base.length() <= 100 ? base : base.substring(0, 100);
    }
}

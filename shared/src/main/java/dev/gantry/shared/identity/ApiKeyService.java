package dev.gantry.shared.identity;

import dev.gantry.shared.auth.ApiKeyTokens;
import dev.gantry.shared.auth.IpAllowlist;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.secrets.KeyRing;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Creating, listing, changing and revoking API keys (API.md §5). Every change is audited. */
public final class ApiKeyService {
    private final Table table;
    private final ApiKeyRepository keys;
    private final AuditLog audit;
    private final Cursors cursors;
    private final Supplier<KeyRing> pepper;
    private final Clock clock;
    /** Webhook events (api_key.created, api_key.revoked); null: none (tests of keys alone). */
    private final dev.gantry.shared.webhooks.Events events;

    public ApiKeyService(Table table, ApiKeyRepository keys, AuditLog audit, Cursors cursors, Supplier<KeyRing> pepper, Clock clock) {
        this(table, keys, audit, cursors, pepper, clock, null);
    }

    public ApiKeyService(Table table, ApiKeyRepository keys, AuditLog audit, Cursors cursors, Supplier<KeyRing> pepper, Clock clock,
                         dev.gantry.shared.webhooks.Events events) {
        this.events = events;
        this.table = table;
        this.keys = keys;
        this.audit = audit;
        this.cursors = cursors;
        this.pepper = pepper;
        this.clock = clock;
    }

    /** What the API shows of a key; {@code token} only in the creation response. */
    public record View(String id, String name, String role, String prefix, String token, String expiresAt, List<String> ipAllowlist,
                       String createdAt, String createdBy, String lastUsedAt, String revokedAt) {
        static View of(ApiKeyRepository.ApiKey k, String token) {
            return new View(k.id(), k.name(), k.role().wireName(), k.prefix(), token, str(k.expiresAt()), k.ipAllowlist(),
                    str(k.createdAt()), k.createdBy(), str(k.lastUsedAt()), str(k.revokedAt()));
        }
    }

    /** The listing shape has no token field at all. */
    public record ListedView(String id, String name, String role, String prefix, String expiresAt, List<String> ipAllowlist,
                             String createdAt, String createdBy, String lastUsedAt, String revokedAt) {
        static ListedView of(ApiKeyRepository.ApiKey k) {
            return new ListedView(k.id(), k.name(), k.role().wireName(), k.prefix(), str(k.expiresAt()), k.ipAllowlist(),
                    str(k.createdAt()), k.createdBy(), str(k.lastUsedAt()), str(k.revokedAt()));
        }
    }

    public View create(Principal principal, String name, Role role, Instant expiresAt, IpAllowlist allowlist, Caller caller) {
        Role granted = role == null ? principal.role() : role;
        if (!principal.role().atLeast(granted)) {
            throw ApiException.forbidden("An API key cannot have a role above yours (" + principal.role().wireName() + ").");
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) throw ApiException.validation("expires_at", "must be in the future");
        String id = Ids.newId("ak", now);
        String token = ApiKeyTokens.mint(id);
        KeyRing.Version pepperVersion = pepper.get().current();
        var key = new ApiKeyRepository.ApiKey(id, principal.workspaceId(), name, granted, ApiKeyTokens.displayPrefix(token),
                ApiKeyTokens.hash(pepperVersion.key(), token), pepperVersion.id(), expiresAt, allowlist.canonical(), now,
                principal.userId(), null, null, 1);
        Tx tx = new Tx(table);
        keys.create(tx, key);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("role", granted.wireName());
        metadata.put("prefix", key.prefix());
        metadata.put("ip_allowlist", key.ipAllowlist());
        if (expiresAt != null) metadata.put("expires_at", expiresAt.toString());
        audit.record(tx, caller, principal.userId(), principal.workspaceId(), "api_key.created", "api_key", id, metadata);
        var event = events == null ? null : events.emit(tx, principal.workspaceId(), "api_key.created",
                Map.of("id", id, "name", name, "role", granted.wireName(), "prefix", key.prefix()));
        tx.commit();
        if (event != null) events.publish(event);
        return View.of(key, token);
    }

    public Page<ListedView> list(Principal principal, int limit, String cursor) {
        String scope = "api-keys:" + principal.workspaceId();
        var slice = keys.list(principal.workspaceId(), limit, cursors.decode(scope, cursor));
        return new Page<>(slice.keys().stream().map(ListedView::of).toList(), cursors.encode(scope, slice.lastKey()));
    }

    public ListedView get(Principal principal, String keyId) {
        return ListedView.of(require(principal, keyId));
    }

    /** The key and its version (what If-Match on its PATCH and DELETE is made atomic with). */
    public Views.Versioned<ListedView> getVersioned(Principal principal, String keyId) {
        var key = require(principal, keyId);
        return new Views.Versioned<>(ListedView.of(key), key.version());
    }

    public ListedView update(Principal principal, String keyId, String name, IpAllowlist allowlist, Caller caller) {
        return update(principal, keyId, name, allowlist, null, caller);
    }

    /** {@code expectedVersion} (If-Match, may be null): the key must still be that version, else 412 and nothing is written. */
    public ListedView update(Principal principal, String keyId, String name, IpAllowlist allowlist, Long expectedVersion, Caller caller) {
        var before = require(principal, keyId);
        ItemVersion.require(expectedVersion, before.version());
        if (before.revoked()) throw ApiException.conflict("conflict", "A revoked API key cannot be changed.");
        List<String> ips = allowlist == null ? null : allowlist.canonical();
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (name != null && !name.equals(before.name())) metadata.put("name", Map.of("from", before.name(), "to", name));
        if (ips != null && !ips.equals(before.ipAllowlist())) metadata.put("ip_allowlist", Map.of("from", before.ipAllowlist(), "to", ips));
        if (!metadata.isEmpty()) {
            Tx tx = new Tx(table);
            keys.update(tx, keyId, name, ips, expectedVersion);
            audit.record(tx, caller, principal.userId(), principal.workspaceId(), "api_key.updated", "api_key", keyId, metadata);
            tx.commit();
        }
        return ListedView.of(require(principal, keyId));
    }

    /** Immediate and final. Revoking a revoked key changes nothing and still answers 204. */
    public void revoke(Principal principal, String keyId, Caller caller) {
        revoke(principal, keyId, null, caller);
    }

    /** {@code expectedVersion} (If-Match, may be null): the key must still be that version, else 412 and nothing is written. */
    public void revoke(Principal principal, String keyId, Long expectedVersion, Caller caller) {
        var key = require(principal, keyId);
        ItemVersion.require(expectedVersion, key.version());
        if (key.revoked()) return;
        Tx tx = new Tx(table);
        keys.revoke(tx, keyId, clock.instant(), expectedVersion);
        audit.record(tx, caller, principal.userId(), principal.workspaceId(), "api_key.revoked", "api_key", keyId,
                Map.of("name", key.name(), "prefix", key.prefix()));
        var event = events == null ? null : events.emit(tx, principal.workspaceId(), "api_key.revoked",
                Map.of("id", keyId, "name", key.name(), "prefix", key.prefix()));
        tx.commit();
        if (event != null) events.publish(event);
    }

    /** A key of the caller's workspace, or 404 exactly as for a key that does not exist. */
    private ApiKeyRepository.ApiKey require(Principal principal, String keyId) {
        var key = Ids.isValid("ak", keyId) ? keys.get(keyId) : null;
        if (key == null || !key.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("api_key");
        return key;
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }
}

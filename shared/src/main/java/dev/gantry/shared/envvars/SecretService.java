package dev.gantry.shared.envvars;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.errors.ApiException.FieldProblem;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Shared secrets of a workspace (API.md §7): values are encrypted under
 * {@code Aad(ws, "secret", <sec_id>, "value_ct")} and never returned except by {@link #reveal},
 * which is audited. Every change is audited in its own transaction.
 */
public final class SecretService {
    private final Table table;
    private final SecretRepository secrets;
    private final Supplier<EnvelopeCipher> cipher;
    private final AuditLog audit;
    private final Cursors cursors;
    private final Clock clock;

    public SecretService(Table table, Supplier<EnvelopeCipher> cipher, AuditLog audit, Cursors cursors, Clock clock) {
        this.table = table;
        this.secrets = new SecretRepository(table);
        this.cipher = cipher;
        this.audit = audit;
        this.cursors = cursors;
        this.clock = clock;
    }

    /** What the API shows of a secret: never its value. {@code version} is for ETag / If-Match, not part of the JSON. */
    public record SecretView(String id, String key, String scope, String createdAt, String updatedAt, @JsonIgnore long version) {
        static SecretView of(SecretRepository.Secret s) {
            return new SecretView(s.id(), s.key(), s.scope(), s.createdAt().toString(), s.updatedAt().toString(), s.ver());
        }
    }

    /** A revealed secret. {@code toString} leaves the value out. */
    public record RevealedSecret(String id, String key, String scope, String value) {
        @Override
        public String toString() {
            return "RevealedSecret[id=" + id + ", key=" + key + ", scope=" + scope + "]";
        }
    }

    public SecretView create(String workspaceId, String key, String value, String scope, Caller caller) {
        List<FieldProblem> problems = new ArrayList<>();
        if (EnvVarRules.keyProblem(key) != null) problems.add(new FieldProblem("key", EnvVarRules.keyProblem(key)));
        if (EnvVarRules.valueProblem(value) != null) problems.add(new FieldProblem("value", EnvVarRules.valueProblem(value)));
        if (scope == null || !EnvVarRules.SECRET_SCOPES.contains(scope)) {
            problems.add(new FieldProblem("scope", "must be one of " + String.join(", ", EnvVarRules.SECRET_SCOPES)));
        }
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        Instant now = clock.instant();
        String id = Ids.newId("sec", now);
        var secret = new SecretRepository.Secret(id, workspaceId, key, scope, cipher.get().encrypt(value, aad(workspaceId, id)), now, now, 1);
        Tx tx = new Tx(table);
        secrets.create(tx, secret);
        audit.record(tx, caller, null, workspaceId, "secret.created", "secret", id, Map.of("key", key, "scope", scope));
        tx.commit();
        return SecretView.of(secret);
    }

    /** Newest first; {@code scope} (nullable) filters (pages may then hold fewer than {@code limit}, never a wrong entry). */
    public Page<SecretView> list(String workspaceId, String scope, int limit, String cursor) {
        if (scope != null && !EnvVarRules.SECRET_SCOPES.contains(scope)) {
            throw ApiException.validation("scope", "must be one of " + String.join(", ", EnvVarRules.SECRET_SCOPES));
        }
        String cursorScope = "secrets:" + workspaceId + ":" + (scope == null ? "*" : scope);
        var slice = secrets.list(workspaceId, scope, limit, cursors.decode(cursorScope, cursor));
        return new Page<>(slice.secrets().stream().map(SecretView::of).toList(), cursors.encode(cursorScope, slice.lastKey()));
    }

    public SecretView get(String workspaceId, String secretId) {
        return SecretView.of(require(workspaceId, secretId));
    }

    /** A new value; {@code expectedVersion} (If-Match) must equal the secret's version, else 412. */
    public SecretView update(String workspaceId, String secretId, Long expectedVersion, String value, Caller caller) {
        if (EnvVarRules.valueProblem(value) != null) throw ApiException.validation("value", EnvVarRules.valueProblem(value));
        var before = require(workspaceId, secretId);
        if (expectedVersion != null && expectedVersion != before.ver()) throw preconditionFailed();
        Instant now = clock.instant();
        Tx tx = new Tx(table);
        secrets.updateValue(tx, secretId, cipher.get().encrypt(value, aad(workspaceId, secretId)), now, expectedVersion,
                () -> expectedVersion != null ? preconditionFailed() : ApiException.notFound("secret"));
        audit.record(tx, caller, null, workspaceId, "secret.updated", "secret", secretId, Map.of("key", before.key(), "scope", before.scope()));
        tx.commit();
        return SecretView.of(require(workspaceId, secretId));
    }

    /** The plain value; audited ({@code secret.revealed}) before it is answered. */
    public RevealedSecret reveal(String workspaceId, String secretId, Caller caller) {
        var s = require(workspaceId, secretId);
        String value = cipher.get().decrypt(s.valueCt(), aad(workspaceId, secretId));
        Tx tx = new Tx(table);
        audit.record(tx, caller, null, workspaceId, "secret.revealed", "secret", secretId, Map.of("key", s.key(), "scope", s.scope()));
        tx.commit();
        return new RevealedSecret(s.id(), s.key(), s.scope(), value);
    }

    /**
     * Deletes a secret. While any binding of the workspace references its key: 409 {@code conflict},
     * unless {@code force} (the bindings then resolve to another scope's secret, or not at all).
     */
    public void delete(String workspaceId, String secretId, boolean force, Long expectedVersion, Caller caller) {
        var s = require(workspaceId, secretId);
        if (expectedVersion != null && expectedVersion != s.ver()) throw preconditionFailed();
        Tx tx = new Tx(table);
        secrets.delete(tx, s, force, expectedVersion, () -> expectedVersion != null ? preconditionFailed() : ApiException.notFound("secret"));
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("key", s.key());
        metadata.put("scope", s.scope());
        if (force) metadata.put("force", true);
        audit.record(tx, caller, null, workspaceId, "secret.deleted", "secret", secretId, metadata);
        tx.commit();
    }

    static Aad aad(String workspaceId, String secretId) {
        return Aad.of(workspaceId, "secret", secretId, "value_ct");
    }

    /** A secret of the caller's workspace, or 404 exactly as for one that does not exist. */
    private SecretRepository.Secret require(String workspaceId, String secretId) {
        var s = Ids.isValid("sec", secretId) ? secrets.get(secretId) : null;
        if (s == null || !s.workspaceId().equals(workspaceId)) throw ApiException.notFound("secret");
        return s;
    }

    private static ApiException preconditionFailed() {
        return new ApiException(412, "precondition_failed", "The secret changed since you read it (If-Match no longer matches); read it again and retry.");
    }
}

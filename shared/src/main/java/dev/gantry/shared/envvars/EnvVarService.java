package dev.gantry.shared.envvars;

import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * An environment's env vars (API.md §7): list, full replacement (PUT), bulk edit (PATCH), reveal.
 * <p>
 * A write reads the current set, builds the whole new set, writes it into a fresh partition and
 * swaps the environment's pointer to it in one conditional transaction with the audit entry (the
 * commit point). Optimistic locking: {@code expectedVersion} (from If-Match) must equal the
 * pointer's {@code env_vars_version}, checked atomically by the swap's condition → 412.
 * A write without {@code expectedVersion} that loses a race (another write, or a binding created
 * meanwhile) is retried once from a fresh read — a PUT or a PATCH without If-Match means "apply this
 * to whatever is there"; a second loss is 409 {@code conflict}.
 * <p>
 * Secret values are encrypted under {@code Aad(ws, "env_var", "<env_id>/<KEY>", "value_ct")}: the
 * context has no version, so a PATCH copies the ciphertext of untouched secrets into the new set
 * without decrypting them.
 */
public final class EnvVarService {
    /** How long a superseded set stays readable for readers that followed the old pointer. */
    static final Duration SUPERSEDED_SET_TTL = Duration.ofDays(1);

    private final Table table;
    private final Environments environments;
    private final EnvVarRepository repository;
    private final Supplier<EnvelopeCipher> cipher;
    private final AuditLog audit;
    private final Clock clock;

    public EnvVarService(Table table, Supplier<EnvelopeCipher> cipher, AuditLog audit, Clock clock) {
        this.table = table;
        this.environments = new Environments(table);
        this.repository = new EnvVarRepository(table);
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
    }

    /** A variable as the API shows it: secret values are {@code "***"}. */
    public record EnvVarView(String key, String value, boolean secret) {
        @Override
        public String toString() {
            return "EnvVarView[key=" + key + ", secret=" + secret + "]";
        }
    }

    /** The current set and its version (for ETag / If-Match), variables in key order. */
    public record EnvVarSet(long version, List<EnvVarView> vars) {}

    /** A revealed value. {@code toString} leaves the value out. */
    public record Revealed(String key, String value) {
        @Override
        public String toString() {
            return "Revealed[key=" + key + "]";
        }
    }

    public EnvVarSet list(String workspaceId, String environmentId) {
        Environments.EnvState env = environments.require(workspaceId, environmentId);
        return view(env.envVarsVersion(), repository.readSet(environmentId, env.envVarsSet()));
    }

    /** PUT: the set becomes exactly {@code vars} (absent keys are deleted). */
    public EnvVarSet replace(String workspaceId, String environmentId, Long expectedVersion, List<EnvVarInput.Var> vars, Caller caller) {
        checkUnique(vars);
        if (vars.size() > EnvVarRules.MAX_VARS) {
            throw ApiException.validation("(body)", "must have at most " + EnvVarRules.MAX_VARS + " entries (has " + vars.size() + ")");
        }
        return write(workspaceId, environmentId, expectedVersion, caller, "env_vars.replaced", "(body)", (env, current) -> {
            Map<String, EnvVarRepository.StoredVar> next = new TreeMap<>();
            for (EnvVarInput.Var v : vars) next.put(v.key(), store(env, v));
            return next;
        }, (current, next) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("keys", List.copyOf(next.keySet()));
            m.put("removed", removed(current, next));
            return m;
        });
    }

    /** PATCH: sets and unsets only the keys it names; every other variable (and its ciphertext) is carried over. */
    public EnvVarSet patch(String workspaceId, String environmentId, Long expectedVersion, EnvVarInput.Patch patch, Caller caller) {
        checkUnique(patch.set());
        for (String k : patch.unset()) {
            if (patch.set().stream().anyMatch(v -> v.key().equals(k))) throw ApiException.validation("unset", "key " + k + " is also in set");
        }
        return write(workspaceId, environmentId, expectedVersion, caller, "env_vars.updated", "set", (env, current) -> {
            Map<String, EnvVarRepository.StoredVar> next = new TreeMap<>(current);
            patch.unset().forEach(next::remove);
            for (EnvVarInput.Var v : patch.set()) next.put(v.key(), store(env, v));
            return next;
        }, (current, next) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("set", patch.set().stream().map(EnvVarInput.Var::key).sorted().toList());
            m.put("unset", patch.unset().stream().filter(current::containsKey).sorted().toList());
            return m;
        });
    }

    /** The plain value of one variable; audited ({@code env_var.revealed}) before it is answered. */
    public Revealed reveal(String workspaceId, String environmentId, String key, Caller caller) {
        Environments.EnvState env = environments.require(workspaceId, environmentId);
        EnvVarRepository.StoredVar v = EnvVarRules.keyProblem(key) == null ? repository.get(environmentId, env.envVarsSet(), key) : null;
        if (v == null) throw ApiException.notFound("env_var");
        String value = v.secret() ? cipher.get().decrypt(v.valueCt(), aad(workspaceId, environmentId, key)) : v.value();
        Tx tx = new Tx(table);
        audit.record(tx, caller, null, workspaceId, "env_var.revealed", "env_var", environmentId + "/" + key,
                Map.of("environment_id", environmentId, "key", key, "secret", v.secret()));
        tx.commit();
        return new Revealed(key, value);
    }

    /**
     * For the environment deletion worker, once the environment is marked {@code deleting}: the
     * current set is left to expire by TTL (the pointer itself goes with the environment item).
     * Not audited: the environment's deletion is. Safe to call again.
     */
    public void purgeDeletedEnvironment(String environmentId) {
        Environments.EnvState env = environments.readIncludingDeleting(environmentId);
        if (env == null || env.envVarsSet() == null) return;
        retire(environmentId, env.envVarsSet(), repository.readSet(environmentId, env.envVarsSet()), clock.instant());
    }

    // ------------------------------------------------------------------ the write path

    /** Builds the next set from the environment and the current set (key → stored variable). */
    private interface Change {
        Map<String, EnvVarRepository.StoredVar> apply(Environments.EnvState env, Map<String, EnvVarRepository.StoredVar> current);
    }

    private interface Metadata {
        Map<String, Object> of(Map<String, EnvVarRepository.StoredVar> current, Map<String, EnvVarRepository.StoredVar> next);
    }

    /** Thrown by the swap's failed condition; never leaves this class. */
    private static final class SwapLost extends RuntimeException {
        SwapLost() {
            super("the env-var pointer moved", null, false, false);
        }
    }

    private EnvVarSet write(String workspaceId, String environmentId, Long expectedVersion, Caller caller, String action, String sizeField,
                            Change change, Metadata metadata) {
        for (int attempt = 0; ; attempt++) {
            Environments.EnvState env = environments.require(workspaceId, environmentId);
            if (expectedVersion != null && expectedVersion != env.envVarsVersion()) throw preconditionFailed();
            Map<String, EnvVarRepository.StoredVar> current = new TreeMap<>();
            List<EnvVarRepository.StoredVar> currentList = repository.readSet(environmentId, env.envVarsSet());
            currentList.forEach(v -> current.put(v.key(), v));
            Map<String, EnvVarRepository.StoredVar> next = change.apply(env, current);
            if (next.size() > EnvVarRules.MAX_VARS) {
                throw ApiException.validation(sizeField, "the environment would have " + next.size() + " env vars; at most " + EnvVarRules.MAX_VARS);
            }
            Set<String> taken = new TreeSet<>(repository.aliases(environmentId));
            taken.retainAll(next.keySet());
            if (!taken.isEmpty()) {
                throw ApiException.conflict("conflict", "An env var key is also the alias of a secret binding of this environment: "
                        + String.join(", ", taken) + ". Remove the binding or choose another key.", Map.of("keys", List.copyOf(taken)));
            }

            Instant now = clock.instant();
            String setId = Ids.newId("evs", now);
            long newVersion = env.envVarsVersion() + 1;
            repository.writeSet(environmentId, setId, next.values());
            Tx tx = new Tx(table);
            repository.swap(tx, env, newVersion, setId, SwapLost::new);
            audit.record(tx, caller, null, workspaceId, action, "environment", environmentId, metadata.of(current, next));
            try {
                tx.commit();
            } catch (SwapLost | ApiException lost) {
                // Definitely not committed (a failed condition, or a transaction conflict): the new
                // partition was never named by the pointer, so nobody reads it; remove it.
                if (lost instanceof ApiException api && api.status() != 409) throw api;
                discard(environmentId, setId, next.keySet());
                if (attempt == 0) continue; // re-read: 404 if gone, 412 if If-Match no longer holds, else try once more
                Environments.EnvState now2 = environments.require(workspaceId, environmentId);
                if (expectedVersion != null && expectedVersion != now2.envVarsVersion()) throw preconditionFailed();
                throw ApiException.conflict("conflict", "The env vars changed while you were saving; read them again and retry.");
            }
            // Any other exception (timeout, crash): the outcome is unknown, so the new partition is left
            // alone — if the swap did commit it is the live set; if not, it is an orphan nobody reads.
            retire(environmentId, env.envVarsSet(), currentList, now);
            return view(newVersion, next.values());
        }
    }

    private void discard(String environmentId, String setId, Set<String> keys) {
        try {
            repository.deleteSet(environmentId, setId, keys);
        } catch (RuntimeException e) {
            // best effort: an unreferenced partition is harmless
        }
    }

    private void retire(String environmentId, String oldSetId, List<EnvVarRepository.StoredVar> old, Instant now) {
        if (oldSetId == null || old.isEmpty()) return;
        try {
            repository.expireSet(environmentId, oldSetId, old, now.plus(SUPERSEDED_SET_TTL).getEpochSecond());
        } catch (RuntimeException e) {
            // best effort: the swap has committed; a superseded set nobody points to is harmless
        }
    }

    private EnvVarRepository.StoredVar store(Environments.EnvState env, EnvVarInput.Var v) {
        if (!v.secret()) return new EnvVarRepository.StoredVar(v.key(), v.value(), null, false);
        return new EnvVarRepository.StoredVar(v.key(), null, cipher.get().encrypt(v.value(), aad(env.workspaceId(), env.id(), v.key())), true);
    }

    static Aad aad(String workspaceId, String environmentId, String key) {
        return Aad.of(workspaceId, "env_var", environmentId + "/" + key, "value_ct");
    }

    private static EnvVarSet view(long version, java.util.Collection<EnvVarRepository.StoredVar> vars) {
        List<EnvVarView> out = new ArrayList<>(vars.size());
        for (EnvVarRepository.StoredVar v : vars) out.add(new EnvVarView(v.key(), v.secret() ? EnvVarRules.REDACTED : v.value(), v.secret()));
        out.sort(java.util.Comparator.comparing(EnvVarView::key));
        return new EnvVarSet(version, List.copyOf(out));
    }

    private static List<String> removed(Map<String, ?> current, Map<String, ?> next) {
        return current.keySet().stream().filter(k -> !next.containsKey(k)).sorted().toList();
    }

    /** The parsers reject duplicates; a caller building inputs in code gets the same rule. */
    private static void checkUnique(List<EnvVarInput.Var> vars) {
        Set<String> seen = new java.util.HashSet<>();
        for (EnvVarInput.Var v : vars) {
            if (v.key() == null || EnvVarRules.keyProblem(v.key()) != null) throw ApiException.validation("key", "every key must be a valid name");
            if (v.value() == null || EnvVarRules.valueProblem(v.value()) != null) throw ApiException.validation(v.key(), "value is not valid");
            if (!seen.add(v.key())) throw ApiException.validation("key", "duplicate key " + v.key());
        }
    }

    static ApiException preconditionFailed() {
        return new ApiException(412, "precondition_failed",
                "The env vars changed since you read them (If-Match no longer matches); read them again and retry.");
    }
}

package dev.gantry.shared.envvars;

import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The exact variables a deploy injects (API.md §7 {@code resolved-env}): env vars and bound secrets
 * merged, sorted by key. The API's view ({@link #resolve}) and the deploy worker
 * ({@link #resolveForDeploy}) share this one code path, so what a user sees is what a deploy gets.
 * <p>
 * Reads: the environment item, the current set, the bindings, the claims (one BatchGetItem), the
 * bound secrets (one BatchGetItem), then the environment item again: if either version moved
 * meanwhile the reads are repeated, so the answer is one consistent state of vars and bindings.
 */
public final class EnvResolver {
    private static final int MAX_ATTEMPTS = 3;

    private final Table table;
    private final Environments environments;
    private final EnvVarRepository envVars;
    private final BindingRepository bindings;
    private final SecretRepository secrets;
    private final Supplier<EnvelopeCipher> cipher;
    private final AuditLog audit;

    public EnvResolver(Table table, Supplier<EnvelopeCipher> cipher, AuditLog audit) {
        this.table = table;
        this.environments = new Environments(table);
        this.envVars = new EnvVarRepository(table);
        this.bindings = new BindingRepository(table);
        this.secrets = new SecretRepository(table);
        this.cipher = cipher;
        this.audit = audit;
    }

    public static final String SOURCE_ENV_VAR = "env_var";
    public static final String SOURCE_SECRET_BINDING = "secret_binding";

    /** One injected variable. {@code toString} leaves the value out. */
    public record ResolvedVar(String key, String value, boolean secret, String source) {
        @Override
        public String toString() {
            return "ResolvedVar[key=" + key + ", secret=" + secret + ", source=" + source + "]";
        }
    }

    /** A binding whose key has no secret in the environment's scope nor in {@code all}. */
    public record Unresolved(String alias, String secretKey) {}

    public record ResolvedEnv(String environmentId, String secretScope, long envVarsVersion, long bindingsVersion,
                              List<ResolvedVar> variables, List<Unresolved> unresolved) {
        public boolean complete() { return unresolved.isEmpty(); }
    }

    /**
     * For {@code GET …/resolved-env}: secret values {@code "***"} unless {@code reveal} (an admin's
     * {@code ?reveal=true}), which decrypts them and is audited ({@code env.resolved_revealed}).
     */
    public ResolvedEnv resolve(String workspaceId, String environmentId, boolean reveal, Caller caller) {
        ResolvedEnv env = read(workspaceId, environmentId, reveal);
        if (reveal) {
            Tx tx = new Tx(table);
            audit.record(tx, caller, null, workspaceId, "env.resolved_revealed", "environment", environmentId,
                    Map.of("keys", env.variables().stream().filter(ResolvedVar::secret).map(ResolvedVar::key).toList()));
            tx.commit();
        }
        return env;
    }

    /** For the deploy worker: every value decrypted, not audited (a deploy is not a person reading secrets). */
    public ResolvedEnv resolveForDeploy(String workspaceId, String environmentId) {
        return read(workspaceId, environmentId, true);
    }

    private ResolvedEnv read(String workspaceId, String environmentId, boolean decrypt) {
        for (int attempt = 1; ; attempt++) {
            Environments.EnvState env = environments.require(workspaceId, environmentId);
            List<EnvVarRepository.StoredVar> vars = envVars.readSet(environmentId, env.envVarsSet());
            List<BindingRepository.Binding> bound = bindings.list(environmentId);
            var claims = SecretResolution.resolve(secrets, workspaceId, env.secretScope(),
                    bound.stream().map(BindingRepository.Binding::secretKey).toList());
            var values = secrets.getAll(claims.values().stream().map(SecretRepository.Claim::secretId).distinct().toList());
            Environments.EnvState after = environments.read(environmentId);
            if (after == null || !after.workspaceId().equals(workspaceId)) throw Environments.notFound();
            boolean moved = after.envVarsVersion() != env.envVarsVersion() || after.bindingsVersion() != env.bindingsVersion();
            if (moved && attempt < MAX_ATTEMPTS) continue;

            List<ResolvedVar> out = new ArrayList<>();
            Set<String> keys = new HashSet<>();
            for (EnvVarRepository.StoredVar v : vars) {
                keys.add(v.key());
                String value = !v.secret() ? v.value()
                        : decrypt ? cipher.get().decrypt(v.valueCt(), EnvVarService.aad(workspaceId, environmentId, v.key())) : EnvVarRules.REDACTED;
                out.add(new ResolvedVar(v.key(), value, v.secret(), SOURCE_ENV_VAR));
            }
            List<Unresolved> unresolved = new ArrayList<>();
            for (BindingRepository.Binding b : bound) {
                var claim = claims.get(b.secretKey());
                SecretRepository.Secret s = claim == null ? null : values.get(claim.secretId());
                if (s == null) {
                    unresolved.add(new Unresolved(b.alias(), b.secretKey()));
                    continue;
                }
                if (!keys.add(b.alias())) continue; // cannot happen (aliases and keys exclude each other); the env var wins
                String value = decrypt ? cipher.get().decrypt(s.valueCt(), SecretService.aad(workspaceId, s.id())) : EnvVarRules.REDACTED;
                out.add(new ResolvedVar(b.alias(), value, true, SOURCE_SECRET_BINDING));
            }
            out.sort(Comparator.comparing(ResolvedVar::key));
            unresolved.sort(Comparator.comparing(Unresolved::alias));
            return new ResolvedEnv(environmentId, env.secretScope(), env.envVarsVersion(), env.bindingsVersion(), List.copyOf(out),
                    List.copyOf(unresolved));
        }
    }
}

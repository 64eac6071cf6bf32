package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.errors.ApiException.FieldProblem;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Binds shared secrets to an environment under an alias (API.md §7). A binding may name a key no
 * secret has (yet): it is then listed {@code resolved: false}, and a deploy fails with a clear line.
 */
public final class BindingService {
    private final Table table;
    private final Environments environments;
    private final EnvVarRepository envVars;
    private final BindingRepository bindings;
    private final SecretRepository secrets;
    private final AuditLog audit;
    private final Clock clock;

    public BindingService(Table table, AuditLog audit, Clock clock) {
        this.table = table;
        this.environments = new Environments(table);
        this.envVars = new EnvVarRepository(table);
        this.bindings = new BindingRepository(table);
        this.secrets = new SecretRepository(table);
        this.audit = audit;
        this.clock = clock;
    }

    /** {@code scope} is the scope the binding resolves to now ({@code null} when unresolved). */
    public record BindingView(String id, String secretKey, String alias, boolean resolved, String scope, String createdAt) {}

    /** Thrown by the environment's failed condition; never leaves this class. */
    private static final class EnvChanged extends RuntimeException {
        EnvChanged() {
            super("the environment's env vars moved", null, false, false);
        }
    }

    /**
     * Creates a binding. The alias (default: the key) may not be an env var key of the environment:
     * the check reads the current env-var set and the transaction conditions on its version, so a
     * concurrent PUT cannot slip the key in between (then the create is retried once from a fresh read).
     */
    public BindingView create(String workspaceId, String environmentId, String secretKey, String alias, Caller caller) {
        String effectiveAlias = alias == null ? secretKey : alias;
        List<FieldProblem> problems = new ArrayList<>();
        if (EnvVarRules.keyProblem(secretKey) != null) problems.add(new FieldProblem("secret_key", EnvVarRules.keyProblem(secretKey)));
        if (alias != null && EnvVarRules.keyProblem(alias) != null) problems.add(new FieldProblem("alias", EnvVarRules.keyProblem(alias)));
        if (!problems.isEmpty()) throw ApiException.validation(problems);

        for (int attempt = 0; ; attempt++) {
            Environments.EnvState env = environments.require(workspaceId, environmentId);
            if (env.envVarsSet() != null && envVars.get(environmentId, env.envVarsSet(), effectiveAlias) != null) {
                throw ApiException.conflict("conflict", "Alias " + effectiveAlias + " is also an env var key of this environment; "
                        + "remove the env var or choose another alias.", Map.of("alias", effectiveAlias));
            }
            Instant now = clock.instant();
            var b = new BindingRepository.Binding(Ids.newId("sb", now), environmentId, workspaceId, secretKey, effectiveAlias, now);
            Tx tx = new Tx(table);
            bindings.create(tx, env, b, EnvChanged::new);
            audit.record(tx, caller, null, workspaceId, "secret_binding.created", "secret_binding", b.id(),
                    Map.of("environment_id", environmentId, "secret_key", secretKey, "alias", effectiveAlias));
            try {
                tx.commit();
            } catch (EnvChanged e) {
                if (attempt == 0) continue; // re-read: 404 if the environment went, 409 if the alias is now an env var
                throw ApiException.conflict("conflict", "The environment's env vars changed while you were binding; try again.");
            }
            var claim = SecretResolution.resolve(secrets, workspaceId, env.secretScope(), List.of(secretKey)).get(secretKey);
            return view(b, claim);
        }
    }

    /** Every binding of the environment, oldest first, with what each resolves to now. */
    public List<BindingView> list(String workspaceId, String environmentId) {
        Environments.EnvState env = environments.require(workspaceId, environmentId);
        List<BindingRepository.Binding> all = bindings.list(environmentId);
        var resolved = SecretResolution.resolve(secrets, workspaceId, env.secretScope(),
                all.stream().map(BindingRepository.Binding::secretKey).toList());
        return all.stream().map(b -> view(b, resolved.get(b.secretKey()))).toList();
    }

    public void delete(String workspaceId, String environmentId, String bindingId, Caller caller) {
        environments.require(workspaceId, environmentId);
        var b = Ids.isValid("sb", bindingId) ? bindings.get(environmentId, bindingId) : null;
        if (b == null) throw ApiException.notFound("secret_binding");
        Tx tx = new Tx(table);
        bindings.delete(tx, b, true);
        audit.record(tx, caller, null, workspaceId, "secret_binding.deleted", "secret_binding", b.id(),
                Map.of("environment_id", environmentId, "secret_key", b.secretKey(), "alias", b.alias()));
        tx.commit();
    }

    /**
     * For the environment deletion worker, once the environment is marked {@code deleting}: removes
     * every binding (and its reference count), so the workspace's secrets are no longer "bound" by an
     * environment that is gone. One transaction per binding; safe to call again. Not audited: the
     * environment's deletion is.
     */
    public void releaseDeletedEnvironment(String environmentId) {
        for (BindingRepository.Binding b : bindings.list(environmentId)) {
            Tx tx = new Tx(table);
            bindings.delete(tx, b, false);
            try {
                tx.commit();
            } catch (ApiException alreadyGone) {
                // a concurrent run removed it first
            }
        }
    }

    private static BindingView view(BindingRepository.Binding b, SecretRepository.Claim claim) {
        return new BindingView(b.id(), b.secretKey(), b.alias(), claim != null, claim == null ? null : claim.scope(), b.createdAt().toString());
    }
}

package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SecretsAndBindingsIT {
    private static EnvFixture f;

    @BeforeAll
    static void setUp() {
        f = new EnvFixture();
    }

    private static ApiException error(Runnable r) {
        return catchThrowableOfType(ApiException.class, r::run);
    }

    /** Each test uses its own keys: the fixture's workspace is shared by the class. */
    private static String key(String base) {
        return base + "_" + Ids.newId("x").substring(2, 12).toUpperCase();
    }

    @Test
    void secretCrud() {
        String k = key("DB_URL");
        var created = f.secrets.create(f.ws, k, "postgres://secret-pw@db", "production", f.caller);
        assertThat(created.id()).startsWith("sec_");
        assertThat(created.version()).isEqualTo(1);
        assertThat(Json.writeString(created)).doesNotContain("secret-pw").doesNotContain("value");
        var stored = f.w.table().get(Keys.secret(created.id()), true);
        assertThat(Attr.str(stored, "value_ct")).startsWith("v1.").doesNotContain("secret-pw");
        assertThat(f.secrets.get(f.ws, created.id())).isEqualTo(created);

        ApiException dup = error(() -> f.secrets.create(f.ws, k, "other", "production", f.caller));
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.code()).isEqualTo("already_exists");
        var inAll = f.secrets.create(f.ws, k, "fallback", "all", f.caller); // same key, other scope: fine

        ApiException invalid = error(() -> f.secrets.create(f.ws, "bad key", "x".repeat(EnvVarRules.MAX_VALUE_BYTES + 1), "prod", f.caller));
        assertThat(Json.writeString(invalid.details())).contains("\"key\"").contains("\"value\"").contains("\"scope\"").doesNotContain("xxxx");

        ApiException stale = error(() -> f.secrets.update(f.ws, created.id(), 5L, "new", f.caller));
        assertThat(stale.status()).isEqualTo(412);
        var updated = f.secrets.update(f.ws, created.id(), 1L, "postgres://new-pw@db", f.caller);
        assertThat(updated.version()).isEqualTo(2);
        assertThat(f.secrets.reveal(f.ws, created.id(), f.caller).value()).isEqualTo("postgres://new-pw@db");
        var revealAudit = f.audit("secret.revealed").stream().filter(a -> a.target().id().equals(created.id())).findFirst().orElseThrow();
        assertThat(revealAudit.metadata()).isEqualTo(Map.of("key", k, "scope", "production"));
        assertThat(f.audit("secret.created")).isNotEmpty();
        assertThat(f.audit("secret.updated")).isNotEmpty();

        // another workspace sees nothing
        String otherWs = Ids.newId("ws");
        assertThat(error(() -> f.secrets.get(otherWs, created.id())).code()).isEqualTo("secret_not_found");
        assertThat(error(() -> f.secrets.reveal(otherWs, created.id(), f.caller)).code()).isEqualTo("secret_not_found");
        assertThat(error(() -> f.secrets.get(f.ws, "sec_nope")).code()).isEqualTo("secret_not_found");

        assertThat(error(() -> f.secrets.delete(f.ws, created.id(), false, 1L, f.caller)).status()).isEqualTo(412);
        f.secrets.delete(f.ws, created.id(), false, null, f.caller);
        assertThat(error(() -> f.secrets.get(f.ws, created.id())).code()).isEqualTo("secret_not_found");
        assertThat(f.audit("secret.deleted")).isNotEmpty();
        // the key is free again in that scope
        f.secrets.create(f.ws, k, "again", "production", f.caller);
        f.secrets.delete(f.ws, inAll.id(), false, null, f.caller);
    }

    @Test
    void listPagesNewestFirstAndFiltersByScope() {
        var fx = new EnvFixture(); // its own workspace, to count exactly
        List<String> ids = new ArrayList<>();
        for (String scope : List.of("production", "staging", "all", "production")) ids.add(fx.secrets.create(fx.ws, key("K"), "v", scope, fx.caller).id());
        var first = fx.secrets.list(fx.ws, null, 3, null);
        assertThat(first.data()).extracting(SecretService.SecretView::id).containsExactly(ids.get(3), ids.get(2), ids.get(1));
        var second = fx.secrets.list(fx.ws, null, 3, first.nextCursor());
        assertThat(second.data()).extracting(SecretService.SecretView::id).containsExactly(ids.get(0));
        assertThat(second.nextCursor()).isNull();
        assertThat(error(() -> fx.secrets.list(fx.ws, "staging", 3, first.nextCursor())).code()).isEqualTo("invalid_cursor");
        assertThat(error(() -> fx.secrets.list(Ids.newId("ws"), null, 3, first.nextCursor())).code()).isEqualTo("invalid_cursor");
        List<String> production = new ArrayList<>();
        String cursor = null;
        do {
            var page = fx.secrets.list(fx.ws, "production", 1, cursor);
            page.data().forEach(s -> production.add(s.id()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(production).containsExactly(ids.get(3), ids.get(0));
        assertThat(error(() -> fx.secrets.list(fx.ws, "prod", 3, null)).code()).isEqualTo("validation_error");
    }

    @Test
    void deletingABoundSecretIs409UnlessForced() {
        String env = f.environment();
        String k = key("STRIPE_KEY");
        var secret = f.secrets.create(f.ws, k, "sk_live_1", "all", f.caller);
        var binding = f.bindings.create(f.ws, env, k, null, f.caller);
        assertThat(binding.alias()).isEqualTo(k);
        assertThat(binding.resolved()).isTrue();
        assertThat(binding.scope()).isEqualTo("all");

        ApiException bound = error(() -> f.secrets.delete(f.ws, secret.id(), false, null, f.caller));
        assertThat(bound.status()).isEqualTo(409);
        assertThat(bound.code()).isEqualTo("conflict");
        assertThat(f.secrets.get(f.ws, secret.id())).isNotNull();

        // unbinding frees it
        f.bindings.delete(f.ws, env, binding.id(), f.caller);
        assertThat(f.bindings.list(f.ws, env)).isEmpty();
        assertThat(error(() -> f.bindings.delete(f.ws, env, binding.id(), f.caller)).code()).isEqualTo("secret_binding_not_found");
        f.bindings.create(f.ws, env, k, "STRIPE", f.caller);
        assertThat(error(() -> f.secrets.delete(f.ws, secret.id(), false, null, f.caller)).status()).isEqualTo(409);
        f.secrets.delete(f.ws, secret.id(), true, null, f.caller);
        var after = f.bindings.list(f.ws, env);
        assertThat(after).singleElement().satisfies(b -> {
            assertThat(b.resolved()).isFalse();
            assertThat(b.scope()).isNull();
        });
        var resolved = f.resolver.resolve(f.ws, env, false, f.caller);
        assertThat(resolved.unresolved()).containsExactly(new EnvResolver.Unresolved("STRIPE", k));
        assertThat(resolved.complete()).isFalse();
        assertThat(f.audit("secret_binding.created")).isNotEmpty();
        assertThat(f.audit("secret_binding.deleted")).isNotEmpty();
    }

    @Test
    void aliasAndEnvVarKeyExcludeEachOtherInBothDirections() {
        String env = f.environment();
        // binding first, then an env var with that key
        f.bindings.create(f.ws, env, "SHARED_DB", "DATABASE_URL", f.caller);
        ApiException put = error(() -> f.envVars.replace(f.ws, env, null, List.of(new EnvVarInput.Var("DATABASE_URL", "x", false)), f.caller));
        assertThat(put.status()).isEqualTo(409);
        assertThat(put.code()).isEqualTo("conflict");
        assertThat(put.getMessage()).contains("DATABASE_URL");
        ApiException patch = error(() -> f.envVars.patch(f.ws, env, null,
                new EnvVarInput.Patch(List.of(new EnvVarInput.Var("DATABASE_URL", "x", true)), List.of()), f.caller));
        assertThat(patch.status()).isEqualTo(409);
        assertThat(f.envVars.list(f.ws, env).version()).isZero();

        // env var first, then a binding with that alias (explicit or defaulted)
        f.envVars.replace(f.ws, env, null, List.of(new EnvVarInput.Var("REDIS_URL", "redis://", false)), f.caller);
        ApiException explicit = error(() -> f.bindings.create(f.ws, env, "CACHE", "REDIS_URL", f.caller));
        assertThat(explicit.status()).isEqualTo(409);
        assertThat(explicit.getMessage()).contains("REDIS_URL");
        assertThat(error(() -> f.bindings.create(f.ws, env, "REDIS_URL", null, f.caller)).status()).isEqualTo(409);
        // a second binding with the same alias
        ApiException dupAlias = error(() -> f.bindings.create(f.ws, env, "OTHER_DB", "DATABASE_URL", f.caller));
        assertThat(dupAlias.status()).isEqualTo(409);
        assertThat(f.bindings.list(f.ws, env)).hasSize(1);
        // a binding bumps bindings_version, which an If-Match'ed env var write (built on the older state) still passes
        assertThat(Attr.num(f.envItem(env), "bindings_version")).isEqualTo(1);
        assertThat(f.envVars.patch(f.ws, env, 1L, new EnvVarInput.Patch(List.of(new EnvVarInput.Var("OTHER", "1", false)), List.of()), f.caller)
                .version()).isEqualTo(2);
        ApiException invalid = error(() -> f.bindings.create(f.ws, env, "lower", "1X", f.caller));
        assertThat(Json.writeString(invalid.details())).contains("secret_key").contains("alias");
    }

    @Test
    void resolutionPrefersTheEnvironmentScopeThenAll() {
        var fx = new EnvFixture();
        String prod = fx.environment(fx.ws, "production", "production");
        String staging = fx.environment(fx.ws, "staging", "staging");
        fx.secrets.create(fx.ws, "DB_PASSWORD", "prod-pw", "production", fx.caller);
        fx.secrets.create(fx.ws, "DB_PASSWORD", "default-pw", "all", fx.caller);
        fx.secrets.create(fx.ws, "SENTRY_DSN", "dsn-staging", "staging", fx.caller);
        for (String env : List.of(prod, staging)) {
            fx.envVars.replace(fx.ws, env, null, List.of(new EnvVarInput.Var("A_PLAIN", "plain", false),
                    new EnvVarInput.Var("Z_SECRET", "z-secret", true)), fx.caller);
            fx.bindings.create(fx.ws, env, "DB_PASSWORD", "DATABASE_PASSWORD", fx.caller);
            fx.bindings.create(fx.ws, env, "SENTRY_DSN", null, fx.caller);
            fx.bindings.create(fx.ws, env, "NOT_A_SECRET_YET", "MISSING", fx.caller);
        }

        var p = fx.resolver.resolveForDeploy(fx.ws, prod);
        assertThat(p.variables()).containsExactly(
                new EnvResolver.ResolvedVar("A_PLAIN", "plain", false, "env_var"),
                new EnvResolver.ResolvedVar("DATABASE_PASSWORD", "prod-pw", true, "secret_binding"),
                new EnvResolver.ResolvedVar("Z_SECRET", "z-secret", true, "env_var"));
        assertThat(p.unresolved()).containsExactly(new EnvResolver.Unresolved("MISSING", "NOT_A_SECRET_YET"),
                new EnvResolver.Unresolved("SENTRY_DSN", "SENTRY_DSN"));
        var s = fx.resolver.resolveForDeploy(fx.ws, staging);
        assertThat(s.variables()).extracting(EnvResolver.ResolvedVar::key, EnvResolver.ResolvedVar::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple("A_PLAIN", "plain"), org.assertj.core.groups.Tuple.tuple("DATABASE_PASSWORD", "default-pw"),
                org.assertj.core.groups.Tuple.tuple("SENTRY_DSN", "dsn-staging"), org.assertj.core.groups.Tuple.tuple("Z_SECRET", "z-secret"));
        assertThat(s.unresolved()).containsExactly(new EnvResolver.Unresolved("MISSING", "NOT_A_SECRET_YET"));
        assertThat(fx.bindings.list(fx.ws, staging)).extracting(BindingService.BindingView::alias, BindingService.BindingView::scope)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("DATABASE_PASSWORD", "all"), org.assertj.core.groups.Tuple.tuple("SENTRY_DSN", "staging"),
                        org.assertj.core.groups.Tuple.tuple("MISSING", null));
        assertThat(fx.audit("env.resolved_revealed")).isEmpty(); // the deploy path is not audited

        var redacted = fx.resolver.resolve(fx.ws, prod, false, fx.caller);
        assertThat(redacted.variables()).extracting(EnvResolver.ResolvedVar::value).containsExactly("plain", "***", "***");
        assertThat(fx.audit("env.resolved_revealed")).isEmpty();
        var revealed = fx.resolver.resolve(fx.ws, prod, true, fx.caller);
        assertThat(revealed.variables()).isEqualTo(p.variables());
        assertThat(revealed.toString()).doesNotContain("prod-pw").doesNotContain("z-secret");
        var entry = fx.audit("env.resolved_revealed").getFirst();
        assertThat(entry.target().id()).isEqualTo(prod);
        assertThat(entry.metadata()).isEqualTo(Map.of("keys", List.of("DATABASE_PASSWORD", "Z_SECRET")));

        // a new secret in scope all resolves the missing one everywhere, on the next read
        fx.secrets.create(fx.ws, "NOT_A_SECRET_YET", "late", "all", fx.caller);
        assertThat(fx.resolver.resolveForDeploy(fx.ws, prod).variables()).extracting(EnvResolver.ResolvedVar::key).contains("MISSING");
        // other workspace
        assertThat(error(() -> fx.resolver.resolveForDeploy(Ids.newId("ws"), prod)).code()).isEqualTo("environment_not_found");

        fx.calls.reset();
        fx.resolver.resolveForDeploy(fx.ws, prod);
        assertThat(fx.calls.operations()).containsExactly("GetItem", "Query", "Query", "BatchGetItem", "BatchGetItem", "GetItem");
    }

    @Test
    void deletingAnEnvironmentReleasesItsBindingsAndExpiresItsVars() {
        String env = f.environment();
        String k = key("TOKEN");
        var secret = f.secrets.create(f.ws, k, "t", "all", f.caller);
        f.bindings.create(f.ws, env, k, null, f.caller);
        f.envVars.replace(f.ws, env, null, List.of(new EnvVarInput.Var("A", "1", true)), f.caller);
        f.markDeleting(env);
        f.bindings.releaseDeletedEnvironment(env);
        f.bindings.releaseDeletedEnvironment(env); // again: nothing left to do
        f.envVars.purgeDeletedEnvironment(env);
        assertThat(f.allVarItems(env)).singleElement().satisfies(i -> assertThat(i).containsKey(Keys.TTL));
        f.secrets.delete(f.ws, secret.id(), false, null, f.caller); // no longer bound
    }
}

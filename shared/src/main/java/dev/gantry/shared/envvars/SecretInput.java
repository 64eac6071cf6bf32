package dev.gantry.shared.envvars;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.JsonBody;

import java.util.Set;

/**
 * Strict readers of the shared-secret and binding request bodies (API.md §7). Like
 * {@link EnvVarInput}: every problem in one 400, and no problem text ever contains a value.
 */
public final class SecretInput {
    private SecretInput() {}

    /** {@code POST /v1/secrets}. {@code toString} leaves the value out. */
    public record CreateSecret(String key, String value, String scope) {
        @Override
        public String toString() {
            return "CreateSecret[key=" + key + ", scope=" + scope + "]";
        }
    }

    /** {@code POST …/secret-bindings}; {@code alias} is null when the body has none (it defaults to the key). */
    public record CreateBinding(String secretKey, String alias) {}

    public static CreateSecret parseCreate(byte[] body) {
        JsonBody b = new JsonBody(Json.parseBody(body));
        String key = key(b, "key", true);
        String value = value(b);
        String scope = b.requiredEnum("scope", Set.copyOf(EnvVarRules.SECRET_SCOPES));
        b.done();
        return new CreateSecret(key, value, scope);
    }

    /** {@code PATCH /v1/secrets/{id} {value}}: the new value. */
    public static String parseUpdate(byte[] body) {
        JsonBody b = new JsonBody(Json.parseBody(body));
        String value = value(b);
        b.done();
        return value;
    }

    public static CreateBinding parseBinding(byte[] body) {
        JsonBody b = new JsonBody(Json.parseBody(body));
        String secretKey = key(b, "secret_key", true);
        String alias = key(b, "alias", false);
        b.done();
        return new CreateBinding(secretKey, alias);
    }

    private static String key(JsonBody b, String field, boolean required) {
        String k = required ? b.requiredString(field, 1, EnvVarRules.MAX_KEY_LENGTH) : b.optionalString(field, 1, EnvVarRules.MAX_KEY_LENGTH);
        if (k != null && EnvVarRules.keyProblem(k) != null) {
            b.reject(field, EnvVarRules.keyProblem(k));
            return null;
        }
        return k;
    }

    private static String value(JsonBody b) {
        String v = b.requiredString("value", 0, Integer.MAX_VALUE);
        if (v != null && EnvVarRules.valueProblem(v) != null) {
            b.reject("value", EnvVarRules.valueProblem(v));
            return null;
        }
        return v;
    }
}

package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/**
 * Reads the environment item (written by the environments code) for the parts this package owns or
 * needs: the env-var set pointer ({@code env_vars_version}, {@code env_vars_set}), the bindings
 * version and the secret scope. It never writes the item's other attributes (in particular not
 * {@code ver}, which environment PATCHes own).
 */
final class Environments {
    private final Table table;

    Environments(Table table) {
        this.table = table;
    }

    /**
     * What a write must know about its environment. {@code envVarsSet} is null while the environment
     * has never had variables (version 0).
     */
    record EnvState(String id, String workspaceId, String secretScope, long envVarsVersion, String envVarsSet, long bindingsVersion) {}

    /**
     * The environment of the caller's workspace, read consistently; a missing one, one of another
     * workspace and one being deleted are all 404 {@code environment_not_found}.
     */
    EnvState require(String workspaceId, String environmentId) {
        EnvState env = Ids.isValid("env", environmentId) ? read(environmentId) : null;
        if (env == null || !env.workspaceId().equals(workspaceId)) throw notFound();
        return env;
    }

    /** Null when missing or being deleted. */
    EnvState read(String environmentId) {
        Map<String, AttributeValue> item = table.get(Keys.environment(environmentId), true);
        if (item == null || Attr.flag(item, "deleting")) return null;
        return state(environmentId, item);
    }

    /** Null only when missing: for the cleanup of an environment being deleted. */
    EnvState readIncludingDeleting(String environmentId) {
        Map<String, AttributeValue> item = table.get(Keys.environment(environmentId), true);
        return item == null ? null : state(environmentId, item);
    }

    private static EnvState state(String environmentId, Map<String, AttributeValue> item) {
        if (Attr.str(item, "workspace_id") == null) return null;
        return new EnvState(environmentId, Attr.str(item, "workspace_id"), scopeOf(item), Attr.num(item, "env_vars_version"),
                Attr.str(item, "env_vars_set"), Attr.num(item, "bindings_version"));
    }

    static ApiException notFound() {
        return new ApiException(404, "environment_not_found", "No such environment.");
    }

    /** API.md §7's default when the item has no scope yet: by name, else development. */
    private static String scopeOf(Map<String, AttributeValue> item) {
        String scope = Attr.str(item, "secret_scope");
        if (scope != null && EnvVarRules.ENVIRONMENT_SCOPES.contains(scope)) return scope;
        String name = Attr.str(item, "name");
        if ("production".equals(name) || "staging".equals(name)) return name;
        return "development";
    }

    /**
     * The condition that the pointer and bindings are still what {@code env} saw, the environment
     * still exists and is not being deleted. Uses {@code :ev}, {@code :bv} when the versions are
     * non-zero (absent attribute = version 0).
     */
    static String unchanged(EnvState env, boolean checkBindings, Map<String, AttributeValue> values) {
        StringBuilder c = new StringBuilder("attribute_exists(" + Keys.PK + ") AND attribute_not_exists(deleting)");
        if (env.envVarsVersion() == 0) {
            c.append(" AND (attribute_not_exists(env_vars_version) OR env_vars_version = :zero)");
            values.put(":zero", Attr.n(0));
        } else {
            c.append(" AND env_vars_version = :ev");
            values.put(":ev", Attr.n(env.envVarsVersion()));
        }
        if (checkBindings) {
            if (env.bindingsVersion() == 0) {
                c.append(" AND (attribute_not_exists(bindings_version) OR bindings_version = :zero)");
                values.put(":zero", Attr.n(0));
            } else {
                c.append(" AND bindings_version = :bv");
                values.put(":bv", Attr.n(env.bindingsVersion()));
            }
        }
        return c.toString();
    }
}

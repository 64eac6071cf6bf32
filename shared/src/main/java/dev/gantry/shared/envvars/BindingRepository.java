package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Secret bindings live in their environment's partition ({@code ENV#<env>}): the binding item and
 * a claim of its alias, so one Query lists them and an alias is unique per environment. Every
 * binding change bumps the environment's {@code bindings_version}, which env-var writes condition on
 * (and a binding's creation conditions on {@code env_vars_version}): an alias and an env var key can
 * never be equal, whichever is written first.
 */
final class BindingRepository {
    private final Table table;

    BindingRepository(Table table) {
        this.table = table;
    }

    record Binding(String id, String environmentId, String workspaceId, String secretKey, String alias, Instant createdAt) {}

    void create(Tx tx, Environments.EnvState env, Binding b, Supplier<? extends RuntimeException> onEnvChanged) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.binding(env.id(), b.id()));
        item.put("type", Attr.s("secret_binding"));
        item.put("id", Attr.s(b.id()));
        item.put("environment_id", Attr.s(env.id()));
        item.put("workspace_id", Attr.s(b.workspaceId()));
        item.put("secret_key", Attr.s(b.secretKey()));
        item.put("alias", Attr.s(b.alias()));
        item.put("created_at", Attr.s(b.createdAt().toString()));
        tx.create(item, () -> ApiException.conflict("conflict", "Binding id collision; try again."));

        Map<String, AttributeValue> claim = new HashMap<>(Keys.aliasClaim(env.id(), b.alias()));
        claim.put("type", Attr.s("alias_claim"));
        claim.put("binding_id", Attr.s(b.id()));
        claim.put("secret_key", Attr.s(b.secretKey()));
        tx.create(claim, () -> ApiException.conflict("conflict",
                "Alias " + b.alias() + " is already bound in this environment.", Map.of("alias", b.alias())));

        SecretRepository.addRefs(tx, b.workspaceId(), b.secretKey(), 1);

        Map<String, AttributeValue> values = new HashMap<>();
        String condition = Environments.unchanged(env, false, values);
        values.put(":one", Attr.n(1));
        tx.update(Keys.environment(env.id()), "ADD bindings_version :one", condition, null, values, onEnvChanged);
    }

    /** {@code bumpEnvironment} false only when the environment itself is going away. */
    void delete(Tx tx, Binding b, boolean bumpEnvironment) {
        tx.delete(Keys.binding(b.environmentId(), b.id()), "attribute_exists(" + Keys.PK + ")", null, null,
                () -> ApiException.notFound("secret_binding"));
        tx.delete(Keys.aliasClaim(b.environmentId(), b.alias()), null, null, null, null);
        SecretRepository.addRefs(tx, b.workspaceId(), b.secretKey(), -1);
        if (!bumpEnvironment) return;
        tx.update(Keys.environment(b.environmentId()), "ADD bindings_version :one", "attribute_exists(" + Keys.PK + ")", null,
                Map.of(":one", Attr.n(1)), () -> new ApiException(404, "environment_not_found", "No such environment."));
    }

    Binding get(String environmentId, String bindingId) {
        Map<String, AttributeValue> item = table.get(Keys.binding(environmentId, bindingId), true);
        return item == null ? null : fromItem(item);
    }

    /** Every binding of the environment, oldest first (ids sort by creation time); consistent. */
    List<Binding> list(String environmentId) {
        List<Binding> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse r = table.query(q -> q.keyConditionExpression("#pk = :pk AND begins_with(#sk, :p)").consistentRead(true)
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.environmentPk(environmentId)), ":p", Attr.s(Keys.BINDING_PREFIX)))
                    .exclusiveStartKey(from));
            r.items().forEach(i -> out.add(fromItem(i)));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    private static Binding fromItem(Map<String, AttributeValue> item) {
        return new Binding(Attr.str(item, "id"), Attr.str(item, "environment_id"), Attr.str(item, "workspace_id"), Attr.str(item, "secret_key"),
                Attr.str(item, "alias"), Instant.parse(Attr.str(item, "created_at")));
    }
}

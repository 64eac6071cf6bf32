package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Shared secrets of a workspace. The item is keyed by id (GSI1 lists a workspace's secrets); a
 * claim item per (workspace, scope, key) makes that triple unique and lets an environment resolve a
 * binding by key in one read; a reference count per (workspace, key), kept by the binding
 * transactions, lets a delete refuse atomically while any binding uses the key.
 */
final class SecretRepository {
    private final Table table;

    SecretRepository(Table table) {
        this.table = table;
    }

    /** A stored secret; {@code valueCt} is envelope ciphertext. {@code toString} leaves it out. */
    record Secret(String id, String workspaceId, String key, String scope, String valueCt, Instant createdAt, Instant updatedAt, long ver) {
        @Override
        public String toString() {
            return "Secret[id=" + id + ", key=" + key + ", scope=" + scope + ", ver=" + ver + "]";
        }
    }

    /** The claim of (workspace, scope, key): which secret holds that key in that scope. */
    record Claim(String workspaceId, String scope, String key, String secretId) {}

    record Slice(List<Secret> secrets, Map<String, AttributeValue> lastKey) {}

    void create(Tx tx, Secret s) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.secret(s.id()));
        item.put("type", Attr.s("secret"));
        item.put("id", Attr.s(s.id()));
        item.put("workspace_id", Attr.s(s.workspaceId()));
        item.put("key", Attr.s(s.key()));
        item.put("scope", Attr.s(s.scope()));
        item.put("value_ct", Attr.s(s.valueCt()));
        item.put("created_at", Attr.s(s.createdAt().toString()));
        item.put("updated_at", Attr.s(s.updatedAt().toString()));
        item.put("ver", Attr.n(s.ver()));
        item.put(Keys.GSI1_PK, Attr.s(Keys.workspaceSecrets(s.workspaceId())));
        item.put(Keys.GSI1_SK, Attr.s(s.id()));
        tx.create(item, () -> ApiException.conflict("conflict", "Secret id collision; try again."));

        Map<String, AttributeValue> claim = new HashMap<>(Keys.secretKeyClaim(s.workspaceId(), s.scope(), s.key()));
        claim.put("type", Attr.s("secret_key_claim"));
        claim.put("workspace_id", Attr.s(s.workspaceId()));
        claim.put("scope", Attr.s(s.scope()));
        claim.put("key", Attr.s(s.key()));
        claim.put("secret_id", Attr.s(s.id()));
        tx.create(claim, () -> ApiException.conflict("already_exists",
                "A shared secret with key " + s.key() + " already exists in scope " + s.scope() + "."));
    }

    Secret get(String secretId) {
        Map<String, AttributeValue> item = table.get(Keys.secret(secretId), true);
        return item == null ? null : fromItem(item);
    }

    /** Newest first. With a scope, a filter on the same partition: pages may hold fewer than {@code limit} entries. */
    Slice list(String workspaceId, String scope, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = table.query(b -> {
            QueryRequest.Builder q = b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk").scanIndexForward(false).limit(limit)
                    .exclusiveStartKey(startKey);
            if (scope == null) {
                q.expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK)).expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspaceSecrets(workspaceId))));
            } else {
                q.filterExpression("#scope = :scope").expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK, "#scope", "scope"))
                        .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspaceSecrets(workspaceId)), ":scope", Attr.s(scope)));
            }
        });
        return new Slice(r.items().stream().map(SecretRepository::fromItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /** New value; {@code expectedVer} null = any version (the item must still exist). */
    void updateValue(Tx tx, String secretId, String valueCt, Instant at, Long expectedVer, Supplier<? extends RuntimeException> onFail) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":ct", Attr.s(valueCt));
        values.put(":at", Attr.s(at.toString()));
        values.put(":one", Attr.n(1));
        String condition = "attribute_exists(" + Keys.PK + ")";
        if (expectedVer != null) {
            condition += " AND ver = :ver";
            values.put(":ver", Attr.n(expectedVer));
        }
        tx.update(Keys.secret(secretId), "SET value_ct = :ct, updated_at = :at ADD ver :one", condition, null, values, onFail);
    }

    /**
     * Removes the secret and its claim; unless {@code force}, only while no binding of the workspace
     * references its key (the reference count is checked in the same transaction).
     */
    void delete(Tx tx, Secret s, boolean force, Long expectedVer, Supplier<? extends RuntimeException> onChanged) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = "attribute_exists(" + Keys.PK + ")";
        if (expectedVer != null) {
            condition += " AND ver = :ver";
            values.put(":ver", Attr.n(expectedVer));
        }
        tx.delete(Keys.secret(s.id()), condition, null, values, onChanged);
        tx.delete(Keys.secretKeyClaim(s.workspaceId(), s.scope(), s.key()), null, null, null, null);
        if (!force) {
            tx.check(Keys.secretRefs(s.workspaceId(), s.key()), "attribute_not_exists(" + Keys.PK + ") OR refs <= :zero", null,
                    Map.of(":zero", Attr.n(0)), () -> ApiException.conflict("conflict",
                            "Secret key " + s.key() + " is bound to at least one environment; remove the bindings or delete with force=true."));
        }
    }

    /** Adds {@code delta} to the number of bindings that reference {@code key}; part of a binding's transaction. */
    static void addRefs(Tx tx, String workspaceId, String key, int delta) {
        tx.update(Keys.secretRefs(workspaceId, key), "SET #t = :t, workspace_id = :ws, #k = :k ADD refs :d", null,
                Map.of("#t", "type", "#k", "key"),
                Map.of(":t", Attr.s("secret_refs"), ":ws", Attr.s(workspaceId), ":k", Attr.s(key), ":d", Attr.n(delta)), null);
    }

    long refs(String workspaceId, String key) {
        Map<String, AttributeValue> item = table.get(Keys.secretRefs(workspaceId, key), true);
        return item == null ? 0 : Attr.num(item, "refs");
    }

    /** The claims of these (scope, key) pairs that exist, by {@code scope + "#" + key} (one BatchGetItem, consistent). */
    Map<String, Claim> claims(String workspaceId, List<String[]> scopeKeyPairs) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (String[] p : scopeKeyPairs) keys.add(Keys.secretKeyClaim(workspaceId, p[0], p[1]));
        Map<String, Claim> out = new LinkedHashMap<>();
        for (Map<String, AttributeValue> item : table.batchGet(keys, true).values()) {
            Claim c = new Claim(Attr.str(item, "workspace_id"), Attr.str(item, "scope"), Attr.str(item, "key"), Attr.str(item, "secret_id"));
            out.put(c.scope() + "#" + c.key(), c);
        }
        return out;
    }

    /** Secrets by id (one BatchGetItem, consistent). */
    Map<String, Secret> getAll(List<String> ids) {
        Map<String, Secret> out = new HashMap<>();
        for (Map<String, AttributeValue> item : table.batchGet(ids.stream().map(Keys::secret).toList(), true).values()) {
            Secret s = fromItem(item);
            out.put(s.id(), s);
        }
        return out;
    }

    static Secret fromItem(Map<String, AttributeValue> item) {
        return new Secret(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "key"), Attr.str(item, "scope"),
                Attr.str(item, "value_ct"), Instant.parse(Attr.str(item, "created_at")), Instant.parse(Attr.str(item, "updated_at")),
                Attr.num(item, "ver"));
    }
}

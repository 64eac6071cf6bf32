package dev.gantry.shared.envvars;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Env-var sets, stored as immutable versions behind a pointer (docs/data-model.md, "Env vars and
 * secrets"). A set is written with BatchWriteItem into its own fresh partition
 * {@code ENVVARS#<env>#<set id>}, then made current by one conditional update of the environment
 * item. Why: a PUT replaces up to 500 variables atomically, and a transaction holds at most 100
 * items; a pointer swap is atomic at any size, and a reader that follows the pointer only ever sees
 * one complete set.
 */
final class EnvVarRepository {
    /** BatchWriteItem's limit. */

    private final Table table;

    EnvVarRepository(Table table) {
        this.table = table;
    }

    /** A stored variable: {@code value} for a plain one, {@code valueCt} (envelope ciphertext) for a secret. */
    record StoredVar(String key, String value, String valueCt, boolean secret) {
        @Override
        public String toString() {
            return "StoredVar[key=" + key + ", secret=" + secret + "]";
        }
    }

    /** Every variable of one set, in key order (consistent read; follows pages until the end). */
    List<StoredVar> readSet(String environmentId, String setId) {
        List<StoredVar> out = new ArrayList<>();
        if (setId == null) return out;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse r = table.query(b -> b.keyConditionExpression("#pk = :pk").consistentRead(true)
                    .expressionAttributeNames(Map.of("#pk", Keys.PK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.envVarSetPk(environmentId, setId))))
                    .exclusiveStartKey(from));
            r.items().forEach(item -> out.add(fromItem(item)));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /** One variable of one set (consistent), or null. */
    StoredVar get(String environmentId, String setId, String key) {
        if (setId == null) return null;
        Map<String, AttributeValue> item = table.get(Keys.envVar(environmentId, setId, key), true);
        return item == null ? null : fromItem(item);
    }

    /** Writes a whole new set into its (fresh, never read before the swap) partition. */
    void writeSet(String environmentId, String setId, Collection<StoredVar> vars) {
        List<WriteRequest> writes = new ArrayList<>(vars.size());
        for (StoredVar v : vars) writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(environmentId, setId, v, 0)).build()).build());
        batchWrite(writes);
    }

    /**
     * Marks a superseded set for removal by TTL instead of deleting it at once: a reader that read the
     * pointer just before the swap may still be querying this partition, and must see it complete.
     * The items are rewritten unchanged plus {@code ttl}, so no reader ever sees part of a set.
     */
    void expireSet(String environmentId, String setId, Collection<StoredVar> vars, long ttlEpochSeconds) {
        List<WriteRequest> writes = new ArrayList<>(vars.size());
        for (StoredVar v : vars) {
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(environmentId, setId, v, ttlEpochSeconds)).build()).build());
        }
        batchWrite(writes);
    }

    /** Deletes a set no pointer ever named (a write that lost its swap): nobody can be reading it. */
    void deleteSet(String environmentId, String setId, Collection<String> keys) {
        List<WriteRequest> writes = new ArrayList<>(keys.size());
        for (String k : keys) writes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(Keys.envVar(environmentId, setId, k)).build()).build());
        batchWrite(writes);
    }

    /**
     * The commit point: the environment's pointer moves to {@code setId} / {@code newVersion} only if
     * the pointer and the bindings are still what {@code env} saw and the environment is not being
     * deleted. With the audit entry in the same transaction, a change is recorded exactly when it
     * happens.
     */
    void swap(Tx tx, Environments.EnvState env, long newVersion, String setId, Supplier<? extends RuntimeException> onLost) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = Environments.unchanged(env, true, values);
        values.put(":nv", Attr.n(newVersion));
        values.put(":set", Attr.s(setId));
        tx.update(Keys.environment(env.id()), "SET env_vars_version = :nv, env_vars_set = :set", condition, null, values, onLost);
    }

    /** The aliases bound in the environment (consistent): names env vars may not take. */
    Set<String> aliases(String environmentId) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse r = table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :p)").consistentRead(true)
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.environmentPk(environmentId)), ":p", Attr.s(Keys.ALIAS_PREFIX)))
                    .projectionExpression("#sk").exclusiveStartKey(from));
            r.items().forEach(i -> out.add(Attr.str(i, Keys.SK).substring(Keys.ALIAS_PREFIX.length())));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    private void batchWrite(List<WriteRequest> writes) {
        table.batchWrite(writes);
    }

    private static Map<String, AttributeValue> item(String environmentId, String setId, StoredVar v, long ttl) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.envVar(environmentId, setId, v.key()));
        item.put("type", Attr.s("env_var"));
        item.put("environment_id", Attr.s(environmentId));
        item.put("key", Attr.s(v.key()));
        item.put("secret", Attr.bool(v.secret()));
        if (v.secret()) item.put("value_ct", Attr.s(v.valueCt()));
        else item.put("value", Attr.s(v.value()));
        if (ttl > 0) item.put(Keys.TTL, Attr.n(ttl));
        return item;
    }

    private static StoredVar fromItem(Map<String, AttributeValue> item) {
        return new StoredVar(Attr.str(item, "key"), Attr.str(item, "value"), Attr.str(item, "value_ct"), Attr.flag(item, "secret"));
    }
}

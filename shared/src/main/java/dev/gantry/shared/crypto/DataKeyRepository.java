package dev.gantry.shared.crypto;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Data keys in the single table (see docs/data-model.md and docs/security.md):
 * <ul>
 * <li>{@code pk = WS#<ws_id>, sk = DATAKEY#<dek_id>}: one item per data key, kept for as long as
 *     ciphertexts may name it;</li>
 * <li>{@code pk = WS#<ws_id>, sk = DATAKEY#current}: the pointer to the key new encryptions use,
 *     carrying a copy of its wrapping so that finding and unwrapping it is one GetItem.</li>
 * </ul>
 * The key and the pointer are always written together, in one transaction with conditions, so
 * two concurrent first encryptions of a workspace cannot both install a key.
 */
public final class DataKeyRepository implements DataKeyStore {
    public static final String DATA_KEY_PREFIX = Keys.DATA_KEY_PREFIX;
    /** Data key ids are {@code dek_<ulid>}: their sort keys all start with this, the pointer's does not. */
    static final String KEY_ITEM_PREFIX = DATA_KEY_PREFIX + EnvelopeCipher.DATA_KEY_ID_PREFIX + "_";
    static final String WRAP_ALG = "A256GCM";

    private final Table table;
    private final Clock clock;

    public DataKeyRepository(Table table, Clock clock) {
        this.table = table;
        this.clock = clock;
    }

    @Override
    public WrappedDataKey current(String workspaceId) {
        Map<String, AttributeValue> item = table.get(Keys.currentDataKey(workspaceId), true);
        return item == null ? null : fromItem(workspaceId, Attr.str(item, "dek_id"), item);
    }

    @Override
    public WrappedDataKey get(String workspaceId, String dataKeyId) {
        Map<String, AttributeValue> item = table.get(Keys.dataKey(workspaceId, dataKeyId), true);
        return item == null ? null : fromItem(workspaceId, Attr.str(item, "id"), item);
    }

    @Override
    public boolean addCurrent(WrappedDataKey key, String expectedCurrentId) {
        String now = clock.instant().toString();
        Map<String, AttributeValue> keyItem = new HashMap<>(Keys.dataKey(key.workspaceId(), key.id()));
        keyItem.put("type", Attr.s("data_key"));
        keyItem.put("id", Attr.s(key.id()));
        keyItem.put("workspace_id", Attr.s(key.workspaceId()));
        putWrapping(keyItem, key);
        keyItem.put("created_at", Attr.s(key.createdAt().toString()));

        Map<String, AttributeValue> pointer = new HashMap<>(Keys.currentDataKey(key.workspaceId()));
        pointer.put("type", Attr.s("data_key_pointer"));
        pointer.put("dek_id", Attr.s(key.id()));
        pointer.put("workspace_id", Attr.s(key.workspaceId()));
        putWrapping(pointer, key);
        pointer.put("created_at", Attr.s(key.createdAt().toString()));
        pointer.put("updated_at", Attr.s(now));

        Put.Builder pointerPut = Put.builder().tableName(table.name()).item(pointer);
        if (expectedCurrentId == null) {
            pointerPut.conditionExpression("attribute_not_exists(" + Keys.PK + ")");
        } else {
            pointerPut.conditionExpression("dek_id = :expected").expressionAttributeValues(Map.of(":expected", Attr.s(expectedCurrentId)));
        }
        List<TransactWriteItem> items = List.of(
                TransactWriteItem.builder().put(Put.builder().tableName(table.name()).item(keyItem)
                        .conditionExpression("attribute_not_exists(" + Keys.PK + ")").build()).build(),
                TransactWriteItem.builder().put(pointerPut.build()).build());
        return transact(items);
    }

    @Override
    public List<WrappedDataKey> list(String workspaceId) {
        List<WrappedDataKey> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse r = table.query(b -> {
                b.keyConditionExpression(Keys.PK + " = :pk AND begins_with(" + Keys.SK + ", :prefix)")
                        .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspacePk(workspaceId)), ":prefix", Attr.s(KEY_ITEM_PREFIX)))
                        .consistentRead(true);
                if (from != null) b.exclusiveStartKey(from);
            });
            r.items().forEach(item -> out.add(fromItem(workspaceId, Attr.str(item, "id"), item)));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    @Override
    public boolean rewrap(WrappedDataKey before, WrappedDataKey after) {
        String now = clock.instant().toString();
        Map<String, AttributeValue> values = Map.of(
                ":old", Attr.s(Hmac.base64Url(before.wrapped())),
                ":wrapped", Attr.s(Hmac.base64Url(after.wrapped())),
                ":version", Attr.s(after.masterKeyVersion()),
                ":now", Attr.s(now));
        String set = "SET wrapped_key = :wrapped, master_key_version = :version, rewrapped_at = :now";
        Update keyUpdate = Update.builder().tableName(table.name()).key(Keys.dataKey(before.workspaceId(), before.id()))
                .updateExpression(set).conditionExpression("wrapped_key = :old").expressionAttributeValues(values).build();
        WrappedDataKey current = current(before.workspaceId());
        if (current == null || !current.id().equals(before.id())) {
            try {
                table.client().updateItem(b -> b.tableName(keyUpdate.tableName()).key(keyUpdate.key()).updateExpression(keyUpdate.updateExpression())
                        .conditionExpression(keyUpdate.conditionExpression()).expressionAttributeValues(keyUpdate.expressionAttributeValues()));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        }
        Map<String, AttributeValue> pointerValues = new HashMap<>(values);
        pointerValues.put(":id", Attr.s(before.id()));
        Update pointerUpdate = Update.builder().tableName(table.name()).key(Keys.currentDataKey(before.workspaceId()))
                .updateExpression("SET wrapped_key = :wrapped, master_key_version = :version, updated_at = :now")
                .conditionExpression("dek_id = :id AND wrapped_key = :old").expressionAttributeValues(pointerValues).build();
        return transact(List.of(TransactWriteItem.builder().update(keyUpdate).build(), TransactWriteItem.builder().update(pointerUpdate).build()));
    }

    /** True when committed; false when a condition failed or a concurrent transaction won. */
    private boolean transact(List<TransactWriteItem> items) {
        try {
            table.client().transactWriteItems(b -> b.transactItems(items));
            return true;
        } catch (TransactionCanceledException e) {
            boolean lostRace = e.cancellationReasons().stream()
                    .anyMatch(r -> "ConditionalCheckFailed".equals(r.code()) || "TransactionConflict".equals(r.code()));
            if (lostRace) return false;
            throw e;
        }
    }

    private static void putWrapping(Map<String, AttributeValue> item, WrappedDataKey key) {
        item.put("master_key_version", Attr.s(key.masterKeyVersion()));
        item.put("wrap_alg", Attr.s(WRAP_ALG));
        item.put("wrapped_key", Attr.s(Hmac.base64Url(key.wrapped())));
    }

    private static WrappedDataKey fromItem(String workspaceId, String id, Map<String, AttributeValue> item) {
        String wrapped = Attr.str(item, "wrapped_key");
        String createdAt = Attr.str(item, "created_at");
        return new WrappedDataKey(workspaceId, id, Attr.str(item, "master_key_version"),
                wrapped == null ? new byte[0] : nonNull(Hmac.fromBase64Url(wrapped)),
                createdAt == null ? Instant.EPOCH : Instant.parse(createdAt));
    }

    private static byte[] nonNull(byte[] b) { return b == null ? new byte[0] : b; }
}

package dev.gantry.shared.store;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The single table: its client and name, with the few access shapes repositories need. */
public final class Table {
    private final DynamoDbClient client;
    private final String name;

    public Table(DynamoDbClient client, String name) {
        this.client = client;
        this.name = name;
    }

    public DynamoDbClient client() { return client; }

    public String name() { return name; }

    public Map<String, AttributeValue> get(Map<String, AttributeValue> key, boolean consistent) {
        GetItemResponse r = client.getItem(b -> b.tableName(name).key(key).consistentRead(consistent));
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    /**
     * Reads several items in one round trip (more only if DynamoDB returns unprocessed keys).
     * Answers a map from "pk|sk" to item; missing items are absent.
     */
    public Map<String, Map<String, AttributeValue>> batchGet(List<Map<String, AttributeValue>> keys, boolean consistent) {
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        if (keys.isEmpty()) return found;
        List<Map<String, AttributeValue>> pending = new ArrayList<>(dedupe(keys));
        while (!pending.isEmpty()) {
            List<Map<String, AttributeValue>> chunk = pending.subList(0, Math.min(100, pending.size()));
            BatchGetItemResponse r = client.batchGetItem(b -> b.requestItems(Map.of(name,
                    KeysAndAttributes.builder().keys(chunk).consistentRead(consistent).build())));
            List<Map<String, AttributeValue>> rest = new ArrayList<>(pending.subList(chunk.size(), pending.size()));
            r.responses().getOrDefault(name, List.of()).forEach(item -> found.put(keyString(item), item));
            KeysAndAttributes unprocessed = r.unprocessedKeys().get(name);
            if (unprocessed != null) rest.addAll(unprocessed.keys());
            pending = rest;
        }
        return found;
    }

    /**
     * Writes (puts and deletes) in BatchWriteItem chunks of 25, sending unprocessed items again with
     * exponential backoff; gives up after 10 rounds of throttling. Not atomic: for writes whose
     * visibility is governed by something else (a pointer swap) or that are idempotent.
     */
    public void batchWrite(List<WriteRequest> writes) {
        List<WriteRequest> pending = new ArrayList<>(writes);
        int attempt = 0;
        while (!pending.isEmpty()) {
            List<WriteRequest> chunk = new ArrayList<>(pending.subList(0, Math.min(25, pending.size())));
            List<WriteRequest> rest = new ArrayList<>(pending.subList(chunk.size(), pending.size()));
            BatchWriteItemResponse r = client.batchWriteItem(b -> b.requestItems(Map.of(name, chunk)));
            List<WriteRequest> unprocessed = r.hasUnprocessedItems() ? r.unprocessedItems().getOrDefault(name, List.of()) : List.of();
            if (!unprocessed.isEmpty()) {
                if (++attempt >= 10) throw new IllegalStateException("DynamoDB kept throttling a batch write; gave up");
                try {
                    Thread.sleep(Math.min(1000L, 20L << attempt) + (long) (Math.random() * 20));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted during a batch write", e);
                }
                rest.addAll(0, unprocessed);
            }
            pending = rest;
        }
    }

    public QueryResponse query(Consumer<QueryRequest.Builder> request) {
        return client.query(b -> {
            b.tableName(name);
            request.accept(b);
        });
    }

    /** One page of items and where the next one starts (null: this was the last). */
    public record Slice(List<Map<String, AttributeValue>> items, Map<String, AttributeValue> lastKey) {}

    /** One page of the GSI1 partition {@code gsi1pk}, newest (highest sort key) first. */
    public Slice listGsi1(String gsi1pk, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = query(b -> b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(gsi1pk)))
                .scanIndexForward(false).limit(limit).exclusiveStartKey(startKey));
        return new Slice(r.items(), r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /** Every item of the GSI1 partition {@code gsi1pk} (small partitions only: the caller knows the bound). */
    public List<Map<String, AttributeValue>> allGsi1(String gsi1pk) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Slice s = listGsi1(gsi1pk, 100, start);
            out.addAll(s.items());
            start = s.lastKey();
        } while (start != null);
        return out;
    }

    public static String keyString(Map<String, AttributeValue> item) {
        return item.get(Keys.PK).s() + "|" + item.get(Keys.SK).s();
    }

    private static List<Map<String, AttributeValue>> dedupe(List<Map<String, AttributeValue>> keys) {
        Map<String, Map<String, AttributeValue>> unique = new java.util.LinkedHashMap<>();
        keys.forEach(k -> unique.put(keyString(k), k));
        return new ArrayList<>(unique.values());
    }
}

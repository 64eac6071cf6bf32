package dev.gantry.shared.identity;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The audit log: written in the same transaction as the change it records; read newest first. */
public final class AuditRepository {
    private final Table table;

    public AuditRepository(Table table) {
        this.table = table;
    }

    public record Actor(String type, String id) {}

    public record Target(String type, String id) {}

    public record Entry(String id, String workspaceId, String action, Actor actor, Target target, String ip, String requestId,
                        String createdAt, Map<String, Object> metadata) {}

    public record Slice(List<Entry> entries, Map<String, AttributeValue> lastKey) {}

    public void append(Tx tx, Entry e) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.audit(e.workspaceId(), e.id()));
        item.put("type", Attr.s("audit"));
        item.put("id", Attr.s(e.id()));
        item.put("action", Attr.s(e.action()));
        item.put("actor_type", Attr.s(e.actor().type()));
        item.put("actor_id", Attr.s(e.actor().id()));
        item.put("target_type", Attr.s(e.target().type()));
        item.put("target_id", Attr.s(e.target().id()));
        item.put("ip", Attr.sOrNull(e.ip()));
        item.put("request_id", Attr.s(e.requestId()));
        item.put("created_at", Attr.s(e.createdAt()));
        item.put("metadata", Attr.s(Json.writeString(e.metadata())));
        item.put(Keys.GSI1_PK, Attr.s(Keys.auditByAction(e.workspaceId(), e.action())));
        item.put(Keys.GSI1_SK, Attr.s(e.id()));
        tx.create(item, null);
    }

    /** Newest first; with an action, served by GSI1 (one partition per workspace and action). */
    public Slice list(String workspaceId, String action, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = action == null
                ? table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspacePk(workspaceId)), ":prefix", Attr.s(Keys.AUDIT_PREFIX)))
                .scanIndexForward(false).limit(limit).exclusiveStartKey(startKey))
                : table.query(b -> b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.auditByAction(workspaceId, action))))
                .scanIndexForward(false).limit(limit).exclusiveStartKey(startKey));
        List<Entry> entries = r.items().stream().map(AuditRepository::fromItem).toList();
        return new Slice(entries, r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    @SuppressWarnings("unchecked")
    static Entry fromItem(Map<String, AttributeValue> item) {
        Map<String, Object> metadata;
        try {
            metadata = Json.mapper().readValue(Attr.str(item, "metadata"), Map.class);
        } catch (java.io.IOException e) {
            metadata = Map.of();
        }
        return new Entry(Attr.str(item, "id"), Attr.str(item, Keys.PK).substring(3), Attr.str(item, "action"),
                new Actor(Attr.str(item, "actor_type"), Attr.str(item, "actor_id")),
                new Target(Attr.str(item, "target_type"), Attr.str(item, "target_id")),
                Attr.str(item, "ip"), Attr.str(item, "request_id"), Attr.str(item, "created_at"), metadata);
    }
}

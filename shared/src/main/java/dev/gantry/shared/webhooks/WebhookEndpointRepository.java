package dev.gantry.shared.webhooks;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Webhook endpoints (API.md §11). The signing secrets live inside the item as a list, each one
 * envelope ciphertext bound to its endpoint: the current one without {@code expires_at}, a rotated
 * one with the time it stops signing. {@code ver} is bumped by every change a client can see
 * (PATCH, rotation, disabling); {@code failing_since}, which the delivery worker moves on every
 * attempt, is bookkeeping and leaves {@code ver} alone so a client's ETag does not go stale
 * because a delivery failed.
 */
public final class WebhookEndpointRepository {
    private final Table table;

    public WebhookEndpointRepository(Table table) {
        this.table = table;
    }

    /** One signing secret as stored: {@code expiresAt} null for the current one. Holds no plaintext. */
    public record StoredSecret(String id, String ciphertext, Instant createdAt, Instant expiresAt) {
        @Override public String toString() { return "StoredSecret[" + id + ", expires_at=" + expiresAt + "]"; }
    }

    public record Endpoint(String id, String workspaceId, String url, List<String> events, String description, String status,
                           String disabledReason, List<StoredSecret> secrets, Instant failingSince, Instant createdAt,
                           Instant updatedAt, long version) {
        public boolean enabled() { return "enabled".equals(status); }
    }

    public record Slice(List<Endpoint> endpoints, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, Endpoint e) {
        Item item = new Item(Keys.webhookEndpoint(e.id())).s("type", "webhook_endpoint").s("id", e.id()).s("workspace_id", e.workspaceId())
                .s("url", e.url()).s("description", e.description()).s("status", e.status())
                .t("created_at", e.createdAt()).t("updated_at", e.updatedAt()).n("ver", 1)
                .gsi1(Keys.workspaceWebhookEndpoints(e.workspaceId()), e.id());
        Map<String, AttributeValue> map = item.map();
        map.put("events", strings(e.events()));
        map.put("secrets", secrets(e.secrets()));
        tx.create(map, () -> ApiException.conflict("conflict", "Webhook endpoint id collision; try again."));
    }

    public Endpoint get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.webhookEndpoint(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.workspaceWebhookEndpoints(workspaceId), limit, start);
        return new Slice(s.items().stream().map(WebhookEndpointRepository::fromItem).toList(), s.lastKey());
    }

    /** Every endpoint of a workspace: at most the plan's quota (100 on team), so one or two queries. */
    public List<Endpoint> all(String workspaceId) {
        return table.allGsi1(Keys.workspaceWebhookEndpoints(workspaceId)).stream().map(WebhookEndpointRepository::fromItem).toList();
    }

    /**
     * Replaces what a client may change, conditional on the version read ({@code readVersion}), so
     * a concurrent change (another PATCH, a rotation, the worker disabling it) is never overwritten:
     * 412 when the client named a version with If-Match, else a 409 to retry.
     */
    public void update(Tx tx, Endpoint changed, long readVersion, boolean clientNamedVersion) {
        Map<String, String> names = new HashMap<>(Map.of("#st", "status", "#ver", "ver", "#ev", "events", "#url", "url"));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":url", Attr.s(changed.url()));
        values.put(":ev", strings(changed.events()));
        values.put(":st", Attr.s(changed.status()));
        values.put(":now", Attr.s(changed.updatedAt().toString()));
        values.put(":read", Attr.n(readVersion));
        values.put(":one", Attr.n(1));
        StringBuilder set = new StringBuilder("SET #url = :url, #ev = :ev, #st = :st, updated_at = :now, #ver = #ver + :one");
        List<String> remove = new ArrayList<>();
        if (changed.description() != null) {
            set.append(", description = :d");
            values.put(":d", Attr.s(changed.description()));
        } else {
            remove.add("description");
        }
        if (changed.disabledReason() != null) {
            set.append(", disabled_reason = :why");
            values.put(":why", Attr.s(changed.disabledReason()));
        } else {
            remove.add("disabled_reason");
        }
        if (changed.failingSince() == null) remove.add("failing_since");
        String expression = set + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        tx.update(Keys.webhookEndpoint(changed.id()), expression, "attribute_exists(" + Keys.PK + ") AND #ver = :read", names, values,
                changedConcurrently(changed.id(), clientNamedVersion));
    }

    /** Replaces the secret list (rotation), conditional on the version read. */
    public void setSecrets(Tx tx, String id, List<StoredSecret> secrets, Instant now, long readVersion, boolean clientNamedVersion) {
        tx.update(Keys.webhookEndpoint(id), "SET secrets = :s, updated_at = :now, #ver = #ver + :one",
                "attribute_exists(" + Keys.PK + ") AND #ver = :read", Map.of("#ver", "ver"),
                Tx.values(":s", secrets(secrets), ":now", Attr.s(now.toString()), ":one", Attr.n(1), ":read", Attr.n(readVersion)),
                changedConcurrently(id, clientNamedVersion));
    }

    public void delete(Tx tx, String id, long readVersion, boolean clientNamedVersion) {
        tx.delete(Keys.webhookEndpoint(id), "attribute_exists(" + Keys.PK + ") AND #ver = :read", Map.of("#ver", "ver"),
                Tx.values(":read", Attr.n(readVersion)), changedConcurrently(id, clientNamedVersion));
    }

    private Supplier<ApiException> changedConcurrently(String id, boolean clientNamedVersion) {
        return () -> {
            if (get(id) == null) return ApiException.notFound("webhook_endpoint");
            return clientNamedVersion ? ApiException.preconditionFailed(null)
                    : ApiException.conflict("conflict", "The webhook endpoint changed at the same time; try again.");
        };
    }

    /** A delivery attempt failed: starts the failing period if none is running; answers when it started. */
    public Instant markFailing(String id, Instant now) {
        try {
            var r = table.client().updateItem(b -> b.tableName(table.name()).key(Keys.webhookEndpoint(id))
                    .updateExpression("SET failing_since = if_not_exists(failing_since, :now)")
                    .conditionExpression("attribute_exists(" + Keys.PK + ")")
                    .expressionAttributeValues(Map.of(":now", Attr.s(now.toString())))
                    .returnValues(ReturnValue.UPDATED_NEW));
            return Item.instant(r.attributes(), "failing_since");
        } catch (ConditionalCheckFailedException e) {
            return null; // deleted meanwhile
        }
    }

    /** A delivery succeeded: the endpoint is healthy again. */
    public void markHealthy(String id) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.webhookEndpoint(id))
                    .updateExpression("REMOVE failing_since").conditionExpression("attribute_exists(failing_since)"));
        } catch (ConditionalCheckFailedException e) {
            // already healthy, or deleted
        }
    }

    /** Disables an enabled endpoint and says why (410 Gone, or five days of failures). Answers false if it was not enabled. */
    public boolean disable(String id, String reason, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.webhookEndpoint(id))
                    .updateExpression("SET #st = :disabled, disabled_reason = :why, updated_at = :now, #ver = #ver + :one")
                    .conditionExpression("#st = :enabled")
                    .expressionAttributeNames(Map.of("#st", "status", "#ver", "ver"))
                    .expressionAttributeValues(Map.of(":disabled", Attr.s("disabled"), ":enabled", Attr.s("enabled"),
                            ":why", Attr.s(reason), ":now", Attr.s(now.toString()), ":one", Attr.n(1))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    static AttributeValue strings(List<String> values) {
        return AttributeValue.fromL(values.stream().map(Attr::s).toList());
    }

    static AttributeValue secrets(List<StoredSecret> secrets) {
        List<AttributeValue> out = new ArrayList<>();
        for (StoredSecret s : secrets) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put("id", Attr.s(s.id()));
            m.put("ct", Attr.s(s.ciphertext()));
            m.put("created_at", Attr.s(s.createdAt().toString()));
            if (s.expiresAt() != null) m.put("expires_at", Attr.s(s.expiresAt().toString()));
            out.add(AttributeValue.fromM(m));
        }
        return AttributeValue.fromL(out);
    }

    static Endpoint fromItem(Map<String, AttributeValue> item) {
        List<String> events = item.containsKey("events") ? item.get("events").l().stream().map(AttributeValue::s).toList() : List.of();
        List<StoredSecret> secrets = new ArrayList<>();
        if (item.containsKey("secrets")) {
            for (AttributeValue v : item.get("secrets").l()) {
                Map<String, AttributeValue> m = v.m();
                secrets.add(new StoredSecret(Attr.str(m, "id"), Attr.str(m, "ct"), Item.instant(m, "created_at"), Item.instant(m, "expires_at")));
            }
        }
        return new Endpoint(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "url"), events,
                Attr.str(item, "description"), Attr.str(item, "status"), Attr.str(item, "disabled_reason"), List.copyOf(secrets),
                Item.instant(item, "failing_since"), Item.instant(item, "created_at"), Item.instant(item, "updated_at"),
                Attr.num(item, "ver"));
    }
}

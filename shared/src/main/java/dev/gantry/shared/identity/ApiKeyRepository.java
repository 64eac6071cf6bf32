package dev.gantry.shared.identity;

import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * API keys. The item is keyed by the key id, which the token carries, so authenticating a key is
 * one GetItem; GSI1 lists a workspace's keys. Only the peppered hash of the token is stored.
 * <p>
 * Optimistic locking ({@link ItemVersion}): every write bumps {@code ver}, the once-a-minute
 * {@code last_used_at} touch included, since the key's GET shows it (and so its ETag changes with it).
 */
public final class ApiKeyRepository {
    private final Table table;

    public ApiKeyRepository(Table table) {
        this.table = table;
    }

    public record ApiKey(String id, String workspaceId, String name, Role role, String prefix, String secretHash, String pepperVersion,
                         Instant expiresAt, List<String> ipAllowlist, Instant createdAt, String createdBy, Instant lastUsedAt,
                         Instant revokedAt, long version) {
        public boolean revoked() { return revokedAt != null; }
    }

    public record Slice(List<ApiKey> keys, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, ApiKey k) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.apiKey(k.id()));
        item.put("type", Attr.s("api_key"));
        item.put("id", Attr.s(k.id()));
        item.put("workspace_id", Attr.s(k.workspaceId()));
        item.put("name", Attr.s(k.name()));
        item.put("role", Attr.s(k.role().wireName()));
        item.put("prefix", Attr.s(k.prefix()));
        item.put("secret_hash", Attr.s(k.secretHash()));
        item.put("pepper_version", Attr.s(k.pepperVersion()));
        if (k.expiresAt() != null) item.put("expires_at", Attr.s(k.expiresAt().toString()));
        item.put("ip_allowlist", AttributeValue.fromL(k.ipAllowlist().stream().map(Attr::s).toList()));
        item.put("created_at", Attr.s(k.createdAt().toString()));
        item.put("created_by", Attr.s(k.createdBy()));
        item.put(ItemVersion.ATTR, Attr.n(1));
        item.put(Keys.GSI1_PK, Attr.s(Keys.workspaceApiKeys(k.workspaceId())));
        item.put(Keys.GSI1_SK, Attr.s(k.id()));
        tx.create(item, () -> ApiException.conflict("conflict", "API key id collision; try again."));
    }

    /** Strongly consistent: a revocation is seen by the very next request, from any container. */
    public ApiKey get(String keyId) {
        Map<String, AttributeValue> item = table.get(Keys.apiKey(keyId), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = table.query(b -> b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspaceApiKeys(workspaceId))))
                .scanIndexForward(false).limit(limit).exclusiveStartKey(startKey));
        return new Slice(r.items().stream().map(ApiKeyRepository::fromItem).toList(),
                r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /**
     * Changes name and/or allowlist of a key that is still live; with {@code expectedVersion}
     * (If-Match) only if the key is still that version, else 412.
     */
    public void update(Tx tx, String keyId, String name, List<String> ipAllowlist, Long expectedVersion) {
        StringBuilder set = new StringBuilder();
        ItemVersion.Check c = ItemVersion.check(expectedVersion, "attribute_exists(" + Keys.PK + ") AND attribute_not_exists(revoked_at)");
        Map<String, String> names = c.names();
        Map<String, AttributeValue> values = c.values();
        if (name != null) {
            set.append("#n = :n");
            names.put("#n", "name");
            values.put(":n", Attr.s(name));
        }
        if (ipAllowlist != null) {
            if (!set.isEmpty()) set.append(", ");
            set.append("ip_allowlist = :ips");
            values.put(":ips", AttributeValue.fromL(ipAllowlist.stream().map(Attr::s).toList()));
        }
        if (set.isEmpty()) return;
        tx.update(Keys.apiKey(keyId), "SET " + set + ", " + ItemVersion.BUMP, c.condition(), names, values,
                ItemVersion.failure(expectedVersion, () -> ApiException.conflict("conflict", "A revoked API key cannot be changed.")));
    }

    /**
     * Revokes for good: the first revocation time is kept, and nothing ever removes it. With
     * {@code expectedVersion} (If-Match) only if the key is still that version, else 412.
     */
    public void revoke(Tx tx, String keyId, Instant at, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.check(expectedVersion, "attribute_exists(" + Keys.PK + ")");
        c.values().put(":at", Attr.s(at.toString()));
        tx.update(Keys.apiKey(keyId), "SET revoked_at = if_not_exists(revoked_at, :at), " + ItemVersion.BUMP, c.condition(),
                c.names(), c.values(), ItemVersion.failure(expectedVersion, () -> ApiException.notFound("api_key")));
    }

    /** Records use at most once a minute per key, so authentication stays one read plus a rare write. */
    public void touch(String keyId, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.apiKey(keyId))
                    .updateExpression("SET last_used_at = :now, last_used_ms = :ms, " + ItemVersion.BUMP)
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND (attribute_not_exists(last_used_ms) OR last_used_ms < :stale)")
                    .expressionAttributeNames(Map.of("#ver", ItemVersion.ATTR))
                    .expressionAttributeValues(Map.of(":now", Attr.s(now.toString()), ":ms", Attr.n(now.toEpochMilli()),
                            ":stale", Attr.n(now.minusSeconds(60).toEpochMilli()), ":ver_zero", Attr.n(0), ":ver_one", Attr.n(1))));
        } catch (ConditionalCheckFailedException recentEnough) {
            // another request of this minute already recorded it
        }
    }

    static ApiKey fromItem(Map<String, AttributeValue> item) {
        AttributeValue ips = item.get("ip_allowlist");
        return new ApiKey(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "name"), Role.fromWire(Attr.str(item, "role")),
                Attr.str(item, "prefix"), Attr.str(item, "secret_hash"), Attr.str(item, "pepper_version"),
                instant(Attr.str(item, "expires_at")), ips == null || !ips.hasL() ? List.of() : ips.l().stream().map(AttributeValue::s).toList(),
                instant(Attr.str(item, "created_at")), Attr.str(item, "created_by"), instant(Attr.str(item, "last_used_at")),
                instant(Attr.str(item, "revoked_at")), ItemVersion.of(item));
    }

    private static Instant instant(String value) {
        return value == null ? null : Instant.parse(value);
    }
}

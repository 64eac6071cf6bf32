package dev.gantry.shared.identity;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Logins. One session per login holds the generation of its current refresh token; access tokens
 * name their session, so revoking it (logout, reuse detected) stops both kinds of token at once.
 * Expired sessions are removed by DynamoDB's TTL.
 */
public final class SessionRepository {
    private final Table table;

    public SessionRepository(Table table) {
        this.table = table;
    }

    public record Session(String id, String userId, String workspaceId, long generation, Instant revokedAt, Instant expiresAt, long createdMs) {
        public boolean revoked() { return revokedAt != null; }
    }

    public void create(Tx tx, Session s) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.session(s.id()));
        item.put("type", Attr.s("session"));
        item.put("id", Attr.s(s.id()));
        item.put("user_id", Attr.s(s.userId()));
        item.put("workspace_id", Attr.s(s.workspaceId()));
        item.put("generation", Attr.n(s.generation()));
        item.put("expires_at", Attr.s(s.expiresAt().toString()));
        // Millisecond start time: a user's logins_valid_from_ms (set when an account is taken over) ends older logins.
        item.put("created_ms", Attr.n(s.createdMs()));
        item.put(Keys.TTL, Attr.n(s.expiresAt().getEpochSecond()));
        tx.create(item, null);
    }

    public Session get(String sessionId) {
        Map<String, AttributeValue> item = table.get(Keys.session(sessionId), true);
        return item == null ? null : fromItem(item);
    }

    /**
     * Moves the session from {@code generation} to the next one. False when the session is not at
     * that generation any more or was revoked: the token being spent was spent already.
     */
    public boolean advance(String sessionId, long generation) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.session(sessionId))
                    .updateExpression("SET generation = :next")
                    .conditionExpression("generation = :g AND attribute_not_exists(revoked_at)")
                    .expressionAttributeValues(Map.of(":g", Attr.n(generation), ":next", Attr.n(generation + 1))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    public void revoke(Tx tx, String sessionId, Instant at) {
        tx.update(Keys.session(sessionId), "SET revoked_at = if_not_exists(revoked_at, :at)", "attribute_exists(" + Keys.PK + ")",
                null, Tx.values(":at", Attr.s(at.toString())), null);
    }

    static Session fromItem(Map<String, AttributeValue> item) {
        String revoked = Attr.str(item, "revoked_at");
        return new Session(Attr.str(item, "id"), Attr.str(item, "user_id"), Attr.str(item, "workspace_id"), Attr.num(item, "generation"),
                revoked == null ? null : Instant.parse(revoked), Instant.parse(Attr.str(item, "expires_at")), Attr.num(item, "created_ms"));
    }
}

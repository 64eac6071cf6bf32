package dev.gantry.shared.identity;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * OAuth sign-ins in progress: one item per {@code state}, consumed by a conditional delete, so a
 * state is good for one callback only. DynamoDB's TTL removes the ones never used (TTL deletion is
 * lazy: the expiry that counts is the one inside the signed state, and {@code expires_at} here).
 */
public final class OAuthStateRepository {
    private final Table table;

    public OAuthStateRepository(Table table) {
        this.table = table;
    }

    /** A pending sign-in: where GitHub was told to send the browser back, and until when. */
    public record Pending(String stateId, String purpose, String redirectUri, Instant expiresAt) {}

    public void create(Pending p) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.oauthState(p.stateId()));
        item.put("type", Attr.s("oauth_state"));
        item.put("purpose", Attr.s(p.purpose()));
        item.put("redirect_uri", Attr.s(p.redirectUri()));
        item.put("expires_at", Attr.s(p.expiresAt().toString()));
        item.put(Keys.TTL, Attr.n(p.expiresAt().getEpochSecond()));
        table.client().putItem(b -> b.tableName(table.name()).item(item).conditionExpression("attribute_not_exists(" + Keys.PK + ")"));
    }

    /**
     * Deletes the pending sign-in and answers it, or null when it is gone (used already, never
     * existed, or expired). Two callbacks racing with one state: exactly one gets it.
     */
    public Pending consume(String stateId, String purpose, Instant now) {
        try {
            DeleteItemResponse r = table.client().deleteItem(b -> b.tableName(table.name()).key(Keys.oauthState(stateId))
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND purpose = :p AND #ttl > :now")
                    .expressionAttributeNames(Map.of("#ttl", Keys.TTL))
                    .expressionAttributeValues(Map.of(":p", Attr.s(purpose), ":now", Attr.n(now.getEpochSecond())))
                    .returnValues(ReturnValue.ALL_OLD));
            Map<String, AttributeValue> old = r.attributes();
            if (old == null || old.isEmpty()) return null;
            return new Pending(stateId, Attr.str(old, "purpose"), Attr.str(old, "redirect_uri"), Instant.parse(Attr.str(old, "expires_at")));
        } catch (ConditionalCheckFailedException e) {
            return null;
        }
    }
}

package dev.gantry.shared.idempotency;

import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Idempotency-Key records (API.md §1), one item per workspace and key, kept 24 hours. A request
 * first claims its key with one conditional PutItem; a retry with the same key and the same
 * request gets the first answer replayed, a different request 409 {@code idempotency_key_reused},
 * and a retry while the first still runs 409 {@code idempotency_key_in_use}. A claim whose process
 * died is taken over after its lease, so a crash never blocks a key for a day.
 *
 * <p>Why not Powertools' idempotency utility: it keys on the whole event (or a JMESPath into it)
 * in a table of its own and throws on in-flight duplicates; Gantry needs keys scoped to the
 * caller's workspace, a 409 that tells "reused" from "in use", the Idempotent-Replayed header and
 * the single table. The record shape is the same idea: status, payload hash, stored response, TTL.
 */
public final class IdempotencyStore {
    public static final Duration RETENTION = Duration.ofHours(24);
    /** How long an in-flight claim holds before another request may take it over (a Lambda times out at 29 s). */
    public static final Duration LEASE = Duration.ofSeconds(60);

    private final Table table;
    private final Supplier<EnvelopeCipher> cipher;
    private final Clock clock;

    /**
     * Stored answers are envelope-encrypted: an answer may hold a secret shown once (an API key's
     * token), and a database dump must not reveal it.
     */
    public IdempotencyStore(Table table, Supplier<EnvelopeCipher> cipher, Clock clock) {
        this.table = table;
        this.cipher = cipher;
        this.clock = clock;
    }

    /** A stored answer. */
    public record StoredResponse(int status, String body, Map<String, String> headers) {}

    /** The outcome of a claim: either go ahead (and later {@link #complete}), or replay this answer. */
    public record Claim(Map<String, AttributeValue> key, String workspaceId, String keyHash, StoredResponse replay) {
        public boolean isReplay() { return replay != null; }
    }

    /** Checks the header's value: 1–255 printable ASCII characters. */
    public static void validate(String idempotencyKey) {
        if (idempotencyKey.isEmpty() || idempotencyKey.length() > 255 || !idempotencyKey.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw ApiException.validation("Idempotency-Key", "must be 1 to 255 printable ASCII characters");
        }
    }

    /** The request's fingerprint: method, path and exact body bytes. */
    public static String fingerprint(String method, String path, byte[] body) {
        byte[] head = (method + " " + path + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return Hmac.base64Url(Hmac.digest(all));
    }

    public Claim claim(String workspaceId, String idempotencyKey, String fingerprint) {
        String keyHash = Hmac.base64Url(Hmac.digest(idempotencyKey.getBytes(StandardCharsets.UTF_8)));
        Map<String, AttributeValue> key = Keys.idempotency(workspaceId, keyHash);
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>(key);
        item.put("type", Attr.s("idempotency_key"));
        item.put("status", Attr.s("in_progress"));
        item.put("fingerprint", Attr.s(fingerprint));
        item.put("lease_until_ms", Attr.n(now.plus(LEASE).toEpochMilli()));
        item.put("expires_ms", Attr.n(now.plus(RETENTION).toEpochMilli()));
        item.put(Keys.TTL, Attr.n(now.plus(RETENTION).getEpochSecond()));
        try {
            // New key, or one whose 24 h are over (TTL deletion is lazy), or an abandoned claim of the same request.
            table.client().putItem(b -> b.tableName(table.name()).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR expires_ms < :now OR (#s = :in_progress AND lease_until_ms < :now AND fingerprint = :fp)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":now", Attr.n(now.toEpochMilli()), ":in_progress", Attr.s("in_progress"), ":fp", Attr.s(fingerprint)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new Claim(key, workspaceId, keyHash, null);
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> existing = e.item();
            if (existing == null || existing.isEmpty()) {
                throw ApiException.conflict("idempotency_key_in_use", "A request with this Idempotency-Key is still being processed.");
            }
            if (!fingerprint.equals(Attr.str(existing, "fingerprint"))) {
                throw ApiException.conflict("idempotency_key_reused",
                        "This Idempotency-Key was used with a different request in the last 24 hours; use a new key.");
            }
            if (!"done".equals(Attr.str(existing, "status"))) {
                throw ApiException.conflict("idempotency_key_in_use", "A request with this Idempotency-Key is still being processed.");
            }
            return new Claim(key, workspaceId, keyHash, stored(existing, workspaceId, keyHash));
        }
    }

    /** Keeps a finished answer for replay. */
    public void complete(Claim claim, StoredResponse response) {
        table.client().updateItem(b -> b.tableName(table.name()).key(claim.key())
                .updateExpression("SET #s = :done, response_status = :st, response_body = :body, response_headers = :h REMOVE lease_until_ms")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":done", Attr.s("done"), ":st", Attr.n(response.status()),
                        ":body", response.body() == null ? Attr.sOrNull(null)
                                : Attr.s(cipher.get().encrypt(response.body(), aad(claim.workspaceId(), claim.keyHash()))),
                        ":h", Attr.s(Json.writeString(response.headers())))));
    }

    /** Forgets a claim whose request did not succeed, so the client may retry it with the same key. */
    public void release(Claim claim) {
        table.client().deleteItem(b -> b.tableName(table.name()).key(claim.key())
                .conditionExpression("#s = :in_progress").expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":in_progress", Attr.s("in_progress"))));
    }

    private static Aad aad(String workspaceId, String keyHash) {
        return Aad.of(workspaceId, "idempotency_key", keyHash, "response_body");
    }

    @SuppressWarnings("unchecked")
    private StoredResponse stored(Map<String, AttributeValue> item, String workspaceId, String keyHash) {
        Map<String, String> headers;
        try {
            headers = Json.mapper().readValue(Attr.str(item, "response_headers"), Map.class);
        } catch (java.io.IOException e) {
            headers = Map.of();
        }
        String body = Attr.str(item, "response_body");
        return new StoredResponse((int) Attr.num(item, "response_status"),
                body == null ? null : cipher.get().decrypt(body, aad(workspaceId, keyHash)), headers);
    }
}

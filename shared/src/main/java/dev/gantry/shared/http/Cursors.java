package dev.gantry.shared.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.secrets.KeyRing;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Opaque, tamper-evident cursors: the position (DynamoDB's last evaluated key) and a MAC over it
 * and the list it belongs to ("scope": e.g. the audit log of one workspace). An edited cursor, or
 * one from another list or workspace, fails the MAC and is answered 400 invalid_cursor.
 */
public final class Cursors {
    private static final int MAC_BYTES = 16;
    private final Supplier<KeyRing> keys;

    public Cursors(Supplier<KeyRing> keys) {
        this.keys = keys;
    }

    public String encode(String scope, Map<String, AttributeValue> lastKey) {
        if (lastKey == null || lastKey.isEmpty()) return null;
        Map<String, String> flat = new TreeMap<>();
        lastKey.forEach((k, v) -> flat.put(k, v.s()));
        byte[] payload = Json.write(flat);
        return Hmac.base64Url(payload) + "." + Hmac.base64Url(mac(keys.get().current().key(), scope, payload));
    }

    /** The start key for a cursor, null for none; throws invalid_cursor on anything else. */
    public Map<String, AttributeValue> decode(String scope, String cursor) {
        if (cursor == null) return null;
        int dot = cursor.indexOf('.');
        if (cursor.length() > 2048 || dot <= 0) throw ApiException.invalidCursor();
        byte[] payload = Hmac.fromBase64Url(cursor.substring(0, dot));
        byte[] given = Hmac.fromBase64Url(cursor.substring(dot + 1));
        if (payload == null || given == null) throw ApiException.invalidCursor();
        boolean valid = false;
        for (KeyRing.Version v : keys.get().all()) valid |= Hmac.constantTimeEquals(mac(v.key(), scope, payload), given);
        if (!valid) throw ApiException.invalidCursor();
        JsonNode node = Json.readTree(new String(payload, StandardCharsets.UTF_8));
        Map<String, AttributeValue> start = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> start.put(e.getKey(), AttributeValue.fromS(e.getValue().asText())));
        return start;
    }

    private static byte[] mac(byte[] key, String scope, byte[] payload) {
        byte[] scopeBytes = (scope + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[scopeBytes.length + payload.length];
        System.arraycopy(scopeBytes, 0, input, 0, scopeBytes.length);
        System.arraycopy(payload, 0, input, scopeBytes.length, payload.length);
        return Arrays.copyOf(Hmac.sha256(key, input), MAC_BYTES);
    }
}

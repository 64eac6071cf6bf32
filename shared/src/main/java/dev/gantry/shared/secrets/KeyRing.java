package dev.gantry.shared.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.http.Json;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The versions of one master secret. Rotation adds a version and makes it current; older versions
 * stay, so what was signed or encrypted under them still verifies or decrypts. A secret's value is
 * either one key (32+ bytes, base64 or text), which is version {@code k0}, or
 * {@code {"current": "k1", "keys": {"k0": "<base64>", "k1": "<base64>"}}}.
 * Every consumer records the version id it used (JWT {@code kid}, the API key item, a ciphertext's
 * header), so verifying never guesses.
 */
public final class KeyRing {
    public static final String FIRST_VERSION = "k0";

    private final String currentId;
    private final Map<String, byte[]> keys;

    private KeyRing(String currentId, Map<String, byte[]> keys) {
        this.currentId = currentId;
        this.keys = Collections.unmodifiableMap(keys);
    }

    public record Version(String id, byte[] key) {}

    public static KeyRing parse(String secretValue) {
        String value = secretValue.trim();
        if (value.startsWith("{")) {
            JsonNode node = Json.readTree(value);
            JsonNode current = node.get("current");
            JsonNode versions = node.get("keys");
            if (current == null || !current.isTextual() || versions == null || !versions.isObject()) {
                throw new IllegalStateException("a key ring secret needs \"current\" and \"keys\"");
            }
            Map<String, byte[]> keys = new LinkedHashMap<>();
            versions.fields().forEachRemaining(e -> keys.put(e.getKey(), decode(e.getValue().asText())));
            if (!keys.containsKey(current.asText())) throw new IllegalStateException("the current key version is not among the keys");
            return new KeyRing(current.asText(), keys);
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        keys.put(FIRST_VERSION, decode(value));
        return new KeyRing(FIRST_VERSION, keys);
    }

    public Version current() { return new Version(currentId, keys.get(currentId)); }

    /** The key of a version, or null when this ring does not hold it (never guess another). */
    public byte[] get(String versionId) { return versionId == null ? null : keys.get(versionId); }

    /** Current first, then the others: for MACs that carry no version id. */
    public List<Version> all() {
        List<Version> out = new java.util.ArrayList<>();
        out.add(current());
        keys.forEach((id, key) -> { if (!id.equals(currentId)) out.add(new Version(id, key)); });
        return out;
    }

    /** The same ring with every key replaced by a purpose-bound sub-key. */
    public KeyRing derive(String purpose) {
        Map<String, byte[]> derived = new LinkedHashMap<>();
        keys.forEach((id, key) -> derived.put(id, Hmac.derive(key, purpose)));
        return new KeyRing(currentId, derived);
    }

    /** A ring with a new current version added, as a rotation would write it (tests, tooling). */
    public static String rotatedValue(String previousValue, String newVersionId, byte[] newKey) {
        KeyRing previous = parse(previousValue);
        Map<String, String> keys = new LinkedHashMap<>();
        previous.keys.forEach((id, key) -> keys.put(id, Base64.getEncoder().encodeToString(key)));
        keys.put(newVersionId, Base64.getEncoder().encodeToString(newKey));
        return Json.writeString(Map.of("current", newVersionId, "keys", keys));
    }

    static byte[] decode(String value) {
        // base64 of 32+ bytes (what the generators write), else the text itself
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length < 32) bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) throw new IllegalStateException("a master secret must hold at least 32 bytes");
        return bytes;
    }
}

package dev.gantry.shared.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The associated data that binds a ciphertext to the one place it belongs: a workspace, an item
 * (its data-model type and id) and the attribute holding the value. A ciphertext only decrypts with
 * the same four values, so one copied to another item, another field or another workspace fails.
 * <p>
 * Conventions: {@code itemType} is the item's {@code type} in docs/data-model.md ({@code env_var},
 * {@code secret}, {@code compute_target}, {@code webhook_endpoint}, {@code github_token}, …);
 * {@code itemId} is the item's id (or a stable natural key such as {@code <env_id>/<KEY>});
 * {@code field} is the attribute name. Renaming or moving a value therefore means decrypting and
 * encrypting it again under the new context. None of these values is secret.
 */
public record Aad(String workspaceId, String itemType, String itemId, String field) {
    private static final byte[] DOMAIN = "gantry/envelope-value".getBytes(StandardCharsets.UTF_8);

    public Aad {
        requireText(workspaceId, "workspaceId");
        requireText(itemType, "itemType");
        requireText(itemId, "itemId");
        requireText(field, "field");
    }

    public static Aad of(String workspaceId, String itemType, String itemId, String field) {
        return new Aad(workspaceId, itemType, itemId, field);
    }

    /**
     * The bytes given to AES-GCM: a domain label, the ciphertext's header (format version, data key
     * id) and the four context values, each length-prefixed so that no two contexts share an encoding.
     */
    byte[] bytes(String formatVersion, String dataKeyId) {
        return encode(DOMAIN, formatVersion, dataKeyId, workspaceId, itemType, itemId, field);
    }

    /** Length-prefixed concatenation: {@code ("ab","c")} and {@code ("a","bc")} encode differently. */
    static byte[] encode(byte[] domain, String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        writeLengthPrefixed(out, domain);
        for (String part : parts) writeLengthPrefixed(out, part.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static void writeLengthPrefixed(ByteArrayOutputStream out, byte[] bytes) {
        int n = bytes.length;
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        out.write(bytes, 0, n);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("Aad." + name + " must not be blank");
    }
}

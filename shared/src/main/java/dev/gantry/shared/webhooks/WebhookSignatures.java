package dev.gantry.shared.webhooks;

import dev.gantry.shared.crypto.Hmac;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): a secret is {@code whsec_} plus the
 * base64 of random bytes, and the signature of a message is
 * {@code v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">} keyed by the decoded
 * bytes. During a rotation every valid secret signs, space-separated, so a receiver that still has
 * the old secret (or already the new one) verifies either way.
 */
public final class WebhookSignatures {
    public static final String SECRET_PREFIX = "whsec_";
    /** 24 bytes (192 bits): Standard Webhooks asks for 24 to 64; 24 is what Svix issues, and it encodes to 32 characters. */
    public static final int SECRET_BYTES = 24;

    private WebhookSignatures() {}

    /** A new secret, {@code whsec_} + base64 of {@link #SECRET_BYTES} random bytes. */
    public static String newSecret() {
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(Hmac.randomBytes(SECRET_BYTES));
    }

    /** The key bytes of a {@code whsec_} secret. */
    public static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) throw new IllegalArgumentException("not a whsec_ secret");
        return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    }

    /** One {@code v1,…} entry. */
    public static String sign(String secret, String messageId, long timestampSeconds, String body) {
        String content = messageId + "." + timestampSeconds + "." + body;
        byte[] mac = Hmac.sha256(key(secret), content.getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac);
    }

    /** The {@code webhook-signature} header: one entry per secret, space-separated. */
    public static String header(List<String> secrets, String messageId, long timestampSeconds, String body) {
        StringJoiner out = new StringJoiner(" ");
        for (String s : secrets) out.add(sign(s, messageId, timestampSeconds, body));
        return out.toString();
    }
}

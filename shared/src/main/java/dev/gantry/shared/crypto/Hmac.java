package dev.gantry.shared.crypto;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** HMAC-SHA256, SHA-256, random tokens and constant-time comparison: the primitives, in one place. */
public final class Hmac {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();

    private Hmac() {}

    public static byte[] sha256(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static byte[] sha256(byte[] key, String data) {
        return sha256(key, data.getBytes(StandardCharsets.UTF_8));
    }

    /** A sub-key for one purpose, so one master secret never signs two kinds of thing. */
    public static byte[] derive(byte[] master, String purpose) {
        return sha256(master, "gantry/" + purpose);
    }

    public static byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    public static byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        RANDOM.nextBytes(out);
        return out;
    }

    public static String base64Url(byte[] bytes) {
        return B64URL.encodeToString(bytes);
    }

    /** Decodes base64url; null when the text is not base64url. */
    public static byte[] fromBase64Url(String text) {
        try {
            return B64URL_DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

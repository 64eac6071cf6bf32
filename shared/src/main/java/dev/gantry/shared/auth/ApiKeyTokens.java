package dev.gantry.shared.auth;

import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.ids.Ids;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * API key tokens: {@code gk_live_<key id: 26><secret: 32><checksum: 7>}, lower-case Crockford
 * base32. The fixed prefix lets secret scanners recognise a leaked key; the CRC-32 checksum
 * catches a typo or a truncated copy before any database read; the key id makes the lookup one
 * GetItem; the 160-bit secret is what proves possession, and only its keyed hash is stored.
 */
public final class ApiKeyTokens {
    public static final String PREFIX = "gk_live_";
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final Pattern SHAPE = Pattern.compile("^gk_live_[0-7][0-9a-hjkmnp-tv-z]{25}[0-9a-hjkmnp-tv-z]{32}[0-9a-hjkmnp-tv-z]{7}$");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How much of the token the API shows back, so a person can tell keys apart. */
    private static final int DISPLAY_PREFIX = PREFIX.length() + 12;

    private ApiKeyTokens() {}

    public record Parsed(String keyId, String token) {}

    /** A new token for a key id ({@code ak_…}). */
    public static String mint(String keyId) {
        if (!Ids.isValid("ak", keyId)) throw new IllegalArgumentException("not an API key id");
        StringBuilder body = new StringBuilder(PREFIX).append(keyId.substring(3));
        byte[] secret = new byte[20];
        RANDOM.nextBytes(secret);
        body.append(base32(secret, 32));
        return body.append(checksum(body)).toString();
    }

    /** The key id when the token is well formed and its checksum holds; null otherwise (no I/O). */
    public static Parsed parse(String token) {
        if (token == null || token.length() != PREFIX.length() + 26 + 32 + 7 || !SHAPE.matcher(token).matches()) return null;
        String body = token.substring(0, token.length() - 7);
        if (!checksum(body).equals(token.substring(token.length() - 7))) return null;
        return new Parsed("ak_" + token.substring(PREFIX.length(), PREFIX.length() + 26), token);
    }

    /** Appends the checksum to a token body ({@code gk_live_<id><secret>}): for tooling and probes in tests. */
    public static String seal(String body) {
        return body + checksum(body);
    }

    public static String displayPrefix(String token) {
        return token.substring(0, DISPLAY_PREFIX);
    }

    /** The stored form: HMAC-SHA256 under the pepper, base64url. Without the pepper a dump of hashes is useless. */
    public static String hash(byte[] pepper, String token) {
        return Hmac.base64Url(Hmac.sha256(pepper, token.getBytes(StandardCharsets.US_ASCII)));
    }

    static String checksum(CharSequence body) {
        CRC32 crc = new CRC32();
        crc.update(body.toString().getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        char[] out = new char[7];
        for (int i = 6; i >= 0; i--) {
            out[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
        return new String(out);
    }

    private static String base32(byte[] bytes, int chars) {
        StringBuilder out = new StringBuilder(chars);
        int buffer = 0, bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return out.substring(0, chars);
    }
}

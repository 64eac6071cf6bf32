package dev.gantry.shared.auth;

import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.secrets.KeyRing;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Refresh tokens name their session and generation and carry a MAC over both:
 * {@code grt_<session>.<generation>.<mac>}. Only Gantry can mint one, so a token that verifies but
 * whose generation is not the session's current one is a genuine reuse of a spent token (theft),
 * while garbage is simply unknown and changes nothing.
 */
public final class RefreshTokens {
    private static final String PREFIX = "grt_";
    private final Supplier<KeyRing> keys;

    public RefreshTokens(Supplier<KeyRing> keys) {
        this.keys = keys;
    }

    public record Parsed(String sessionId, long generation) {}

    public String mint(String sessionId, long generation) {
        String body = sessionId + "." + generation;
        return PREFIX + body + "." + mac(keys.get().current().key(), body);
    }

    /** The session and generation, or null when the token is not one Gantry minted. */
    public Parsed parse(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 200) return null;
        String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length != 3 || !Ids.isValid("ses", parts[0])) return null;
        long generation;
        try {
            generation = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return null;
        }
        if (generation < 0) return null;
        byte[] given = parts[2].getBytes(StandardCharsets.US_ASCII);
        // Any version of the key may have minted it (a rotation keeps the old ones): check each, in constant time.
        boolean valid = false;
        for (KeyRing.Version v : keys.get().all()) {
            valid |= Hmac.constantTimeEquals(mac(v.key(), parts[0] + "." + generation).getBytes(StandardCharsets.US_ASCII), given);
        }
        return valid ? new Parsed(parts[0], generation) : null;
    }

    private static String mac(byte[] key, String body) {
        return Hmac.base64Url(Hmac.sha256(key, body));
    }
}

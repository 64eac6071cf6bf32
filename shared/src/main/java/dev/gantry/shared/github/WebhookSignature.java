package dev.gantry.shared.github;

import dev.gantry.shared.crypto.Hmac;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * GitHub's {@code X-Hub-Signature-256}: {@code sha256=} and the hex HMAC-SHA256 of the raw body
 * bytes under the webhook secret (the secret's UTF-8 text, exactly as typed into GitHub).
 */
public final class WebhookSignature {
    public static final String PREFIX = "sha256=";
    private static final Pattern WELL_FORMED = Pattern.compile("^sha256=[0-9a-fA-F]{64}$");

    private WebhookSignature() {}

    public static String sign(byte[] secret, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(Hmac.sha256(secret, body));
    }

    /** The header has the right shape; a malformed one never verifies (and never refreshes the secret). */
    public static boolean wellFormed(String header) {
        return header != null && WELL_FORMED.matcher(header.trim()).matches();
    }

    /** Constant time in the signature's content. */
    public static boolean matches(byte[] secret, byte[] body, String header) {
        if (!wellFormed(header)) return false;
        byte[] given = HexFormat.of().parseHex(header.trim().substring(PREFIX.length()));
        return Hmac.constantTimeEquals(Hmac.sha256(secret, body), given);
    }
}

package dev.gantry.shared.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.secrets.KeyRing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Signed, expiring OAuth {@code state} values: {@code base64url(payload).base64url(mac)}, the MAC an
 * HMAC-SHA256 under the current version of {@code MasterKeys.stateKeys()}, whose id ({@code kid})
 * the payload carries, so a state signed before a rotation still verifies under its kept version.
 * <p>
 * The payload names its purpose (a GitHub sign-in state is never accepted as an App-install
 * state), a state id (the single-use item's key), the SHA-256 of the browser's nonce (the nonce
 * itself sits only in an HttpOnly cookie) and the expiry. Every way a state can be wrong is
 * answered 400 {@code validation_error} naming {@code state}.
 */
public final class OAuthStates {
    public static final String GITHUB_SIGN_IN = "github_sign_in";
    static final int MAX_LENGTH = 1024;
    private static final String MAC_DOMAIN = "gantry/oauth-state.";
    private static final Pattern STATE_ID = Pattern.compile("^[A-Za-z0-9_-]{16,64}$");

    private final Supplier<KeyRing> keys;

    public OAuthStates(Supplier<KeyRing> keys) {
        this.keys = keys;
    }

    /** What a verified state says. */
    public record Claims(String stateId, byte[] nonceHash, Instant expiresAt) {}

    /** A new random state id (128 bits, base64url). */
    public static String newStateId() { return Hmac.base64Url(Hmac.randomBytes(16)); }

    /** A new random browser nonce (256 bits, base64url): the cookie's value. */
    public static String newNonce() { return Hmac.base64Url(Hmac.randomBytes(32)); }

    public static byte[] hashNonce(String nonce) {
        return Hmac.digest(nonce.getBytes(StandardCharsets.UTF_8));
    }

    public String sign(String purpose, String stateId, byte[] nonceHash, Instant expiresAt) {
        if (!STATE_ID.matcher(stateId).matches()) throw new IllegalArgumentException("state id must be 16-64 base64url characters");
        KeyRing.Version key = keys.get().current();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("kid", key.id());
        payload.put("p", purpose);
        payload.put("sid", stateId);
        payload.put("nh", Hmac.base64Url(nonceHash));
        payload.put("exp", expiresAt.getEpochSecond());
        String encoded = Hmac.base64Url(Json.write(payload));
        return encoded + "." + Hmac.base64Url(mac(key.key(), encoded));
    }

    /**
     * Checks the signature (under the version the state names), the purpose and the expiry.
     * Throws 400 {@code validation_error} on {@code state} for anything else.
     */
    public Claims verify(String purpose, String state, Instant now) {
        if (state == null || state.isEmpty() || state.length() > MAX_LENGTH) throw invalid();
        int dot = state.indexOf('.');
        if (dot <= 0 || dot != state.lastIndexOf('.')) throw invalid();
        String encoded = state.substring(0, dot);
        byte[] givenMac = Hmac.fromBase64Url(state.substring(dot + 1));
        byte[] payloadBytes = Hmac.fromBase64Url(encoded);
        if (givenMac == null || payloadBytes == null) throw invalid();
        JsonNode payload;
        try {
            payload = Json.mapper().readTree(payloadBytes);
        } catch (java.io.IOException e) {
            throw invalid();
        }
        if (payload == null || !payload.isObject()) throw invalid();
        byte[] key = keys.get().get(text(payload, "kid"));
        if (key == null) throw invalid();
        if (!Hmac.constantTimeEquals(mac(key, encoded), givenMac)) throw invalid();

        // Signed by us from here on; still checked field by field.
        if (!purpose.equals(text(payload, "p"))) throw invalid();
        String stateId = text(payload, "sid");
        String nh = text(payload, "nh");
        JsonNode exp = payload.get("exp");
        byte[] nonceHash = nh == null ? null : Hmac.fromBase64Url(nh);
        if (stateId == null || !STATE_ID.matcher(stateId).matches() || nonceHash == null || nonceHash.length != 32
                || exp == null || !exp.canConvertToLong()) {
            throw invalid();
        }
        Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
        if (!now.isBefore(expiresAt)) {
            throw ApiException.validation("state", "has expired: start the sign-in again");
        }
        return new Claims(stateId, nonceHash, expiresAt);
    }

    private static byte[] mac(byte[] key, String encodedPayload) {
        return Hmac.sha256(key, MAC_DOMAIN + encodedPayload);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static ApiException invalid() {
        return ApiException.validation("state", "is not a valid sign-in state: start the sign-in again");
    }
}

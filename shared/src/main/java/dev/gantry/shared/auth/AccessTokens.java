package dev.gantry.shared.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.secrets.KeyRing;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Access tokens: compact JWS with HS256 and nothing else. The algorithm is pinned: a header that
 * names any other {@code alg} (including {@code none}) is rejected before the signature is looked at.
 */
public final class AccessTokens {
    public static final String ALG = "HS256";
    private static final String ISSUER = "gantry";

    private final Supplier<KeyRing> keys;
    private final Duration ttl;

    public AccessTokens(Supplier<KeyRing> keys, Duration ttl) {
        this.keys = keys;
        this.ttl = ttl;
    }

    public record Issued(String token, Instant expiresAt) {}

    public record Claims(String userId, String workspaceId, String sessionId, Instant expiresAt) {}

    public Issued issue(String userId, String workspaceId, String sessionId, Instant now) {
        Instant exp = now.plus(ttl);
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", userId);
        claims.put("ws", workspaceId);
        claims.put("sid", sessionId);
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", exp.getEpochSecond());
        KeyRing.Version key = keys.get().current();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", ALG);
        header.put("typ", "JWT");
        header.put("kid", key.id());
        String signingInput = Hmac.base64Url(Json.write(header)) + "." + Hmac.base64Url(Json.write(claims));
        String signature = Hmac.base64Url(Hmac.sha256(key.key(), signingInput));
        return new Issued(signingInput + "." + signature, Instant.ofEpochSecond(exp.getEpochSecond()));
    }

    /** Looks like a JWT (three base64url parts); used to tell access tokens from API keys. */
    public static boolean looksLikeJwt(String token) {
        return token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2;
    }

    public Claims verify(String token, Instant now) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) throw invalid();
        JsonNode header = decodeJson(parts[0]);
        if (!ALG.equals(text(header, "alg"))) throw invalid();
        // The kid picks the version (current or an older one kept after a rotation); an unknown kid is invalid.
        byte[] key = keys.get().get(text(header, "kid"));
        if (key == null) throw invalid();
        byte[] expected = Hmac.sha256(key, parts[0] + "." + parts[1]);
        byte[] given = Hmac.fromBase64Url(parts[2]);
        if (given == null || !Hmac.constantTimeEquals(expected, given)) throw invalid();
        JsonNode claims = decodeJson(parts[1]);
        if (!ISSUER.equals(text(claims, "iss"))) throw invalid();
        JsonNode exp = claims.get("exp");
        if (exp == null || !exp.canConvertToLong()) throw invalid();
        Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
        if (!now.isBefore(expiresAt)) throw ApiException.tokenExpired();
        String sub = text(claims, "sub"), ws = text(claims, "ws"), sid = text(claims, "sid");
        if (sub == null || ws == null || sid == null) throw invalid();
        return new Claims(sub, ws, sid, expiresAt);
    }

    private static JsonNode decodeJson(String part) {
        byte[] bytes = Hmac.fromBase64Url(part);
        if (bytes == null) throw invalid();
        try {
            JsonNode node = Json.mapper().readTree(bytes);
            if (node == null || !node.isObject()) throw invalid();
            return node;
        } catch (java.io.IOException e) {
            throw invalid();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static ApiException invalid() {
        return ApiException.unauthorized("The access token is not valid.");
    }
}

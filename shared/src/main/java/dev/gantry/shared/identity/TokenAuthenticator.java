package dev.gantry.shared.identity;

import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.auth.ApiKeyTokens;
import dev.gantry.shared.auth.IpAllowlist;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.secrets.KeyRing;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.auth.Authenticator;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One authentication path for both kinds of credential.
 * <ul>
 * <li>Access tokens: the JWT is checked offline, then one strongly consistent BatchGetItem reads
 * the session (logout and reuse detection revoke it) and the membership (the role is read fresh,
 * so a demotion or removal applies on the next request).</li>
 * <li>API keys: the checksum is checked offline (a typo costs no read), then one strongly
 * consistent GetItem reads the key. Nothing about a key is cached between requests, so a
 * revocation applies to the very next request in every container.</li>
 * </ul>
 */
public final class TokenAuthenticator implements Authenticator {
    private final AccessTokens accessTokens;
    private final ApiKeyRepository apiKeys;
    private final Supplier<KeyRing> pepper;
    private final AuditLog audit;
    private final Table table;
    private final Clock clock;

    public TokenAuthenticator(AccessTokens accessTokens, ApiKeyRepository apiKeys, Supplier<KeyRing> pepper, AuditLog audit,
                              Table table, Clock clock) {
        this.accessTokens = accessTokens;
        this.apiKeys = apiKeys;
        this.pepper = pepper;
        this.audit = audit;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Principal authenticate(Request request) {
        String token = credential(request);
        if (token.startsWith("gk_")) {
            return authenticateApiKey(token, request);
        }
        if (!AccessTokens.looksLikeJwt(token)) {
            throw ApiException.unauthorized("The token is not a Gantry access token or API key.");
        }
        AccessTokens.Claims claims = accessTokens.verify(token, clock.instant());
        var sessionKey = Keys.session(claims.sessionId());
        var memberKey = Keys.member(claims.workspaceId(), claims.userId());
        var userKey = Keys.user(claims.userId());
        var items = table.batchGet(List.of(sessionKey, memberKey, userKey), true);
        var sessionItem = items.get(Table.keyString(sessionKey));
        if (sessionItem == null || sessionItem.containsKey("revoked_at")
                || UserRepository.loginEnded(items.get(Table.keyString(userKey)), Attr.num(sessionItem, "created_ms"))) {
            throw ApiException.tokenRevoked();
        }
        var memberItem = items.get(Table.keyString(memberKey));
        if (memberItem == null) {
            throw ApiException.unauthorized("The token's user is no longer a member of its workspace.");
        }
        var member = MemberRepository.fromItem(memberItem);
        return Principal.user(claims.userId(), claims.workspaceId(), member.role(), claims.sessionId());
    }

    private Principal authenticateApiKey(String token, Request request) {
        ApiKeyTokens.Parsed parsed = ApiKeyTokens.parse(token);
        if (parsed == null) throw ApiException.unauthorized("The API key is malformed: its checksum does not match.");
        ApiKeyRepository.ApiKey key = apiKeys.get(parsed.keyId());
        byte[] pepperKey = key == null ? null : pepper.get().get(key.pepperVersion());
        // The hash is compared before anything about the key is revealed, in constant time.
        boolean genuine = pepperKey != null && Hmac.constantTimeEquals(
                ApiKeyTokens.hash(pepperKey, token).getBytes(StandardCharsets.US_ASCII),
                key.secretHash().getBytes(StandardCharsets.US_ASCII));
        if (!genuine) throw ApiException.unauthorized("Unknown API key.");
        if (key.revoked()) throw ApiException.tokenRevoked();
        Instant now = clock.instant();
        if (key.expiresAt() != null && !now.isBefore(key.expiresAt())) throw ApiException.tokenExpired();
        if (!IpAllowlist.parse(key.ipAllowlist()).allows(request.sourceIp())) {
            Tx tx = new Tx(table);
            audit.record(tx, new Caller(null, request.sourceIp(), request.requestId()), key.createdBy(), key.workspaceId(),
                    "api_key.ip_denied", "api_key", key.id(), Map.of("prefix", key.prefix()));
            tx.commit();
            throw new ApiException(403, "ip_not_allowed", "This API key may not be used from this address.");
        }
        if (key.lastUsedAt() == null || key.lastUsedAt().isBefore(now.minusSeconds(60))) apiKeys.touch(key.id(), now);
        return new Principal(key.createdBy(), key.workspaceId(), key.role(), "api_key", key.id(), null);
    }

    /** {@code Authorization: Bearer <token>} or {@code X-API-Key: <key>}. */
    static String credential(Request request) {
        String authorization = request.header("authorization");
        if (authorization != null) {
            if (authorization.length() > 7 && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String token = authorization.substring(7).trim();
                if (!token.isEmpty() && token.length() <= 4096) return token;
            }
            throw ApiException.unauthorized("Send the token as 'Authorization: Bearer <token>'.");
        }
        String apiKey = request.header("x-api-key");
        if (apiKey != null && !apiKey.isBlank() && apiKey.length() <= 4096) return apiKey.trim();
        throw ApiException.unauthorized("This route needs a token: 'Authorization: Bearer <token>' or 'X-API-Key: <key>'.");
    }
}

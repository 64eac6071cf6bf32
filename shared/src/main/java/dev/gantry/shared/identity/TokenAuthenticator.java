package dev.gantry.shared.identity;

import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.auth.Authenticator;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;

import java.time.Clock;
import java.util.List;

/**
 * Authenticates access tokens: the JWT is checked offline, then one strongly consistent
 * BatchGetItem reads the session (logout and reuse detection revoke it) and the membership (the
 * role is read fresh, so a demotion or removal applies on the next request).
 */
public final class TokenAuthenticator implements Authenticator {
    private final AccessTokens accessTokens;
    private final Table table;
    private final Clock clock;

    public TokenAuthenticator(AccessTokens accessTokens, Table table, Clock clock) {
        this.accessTokens = accessTokens;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Principal authenticate(Request request) {
        String token = credential(request);
        if (!AccessTokens.looksLikeJwt(token)) {
            throw ApiException.unauthorized("The token is not a Gantry access token or API key.");
        }
        AccessTokens.Claims claims = accessTokens.verify(token, clock.instant());
        var sessionKey = Keys.session(claims.sessionId());
        var memberKey = Keys.member(claims.workspaceId(), claims.userId());
        var items = table.batchGet(List.of(sessionKey, memberKey), true);
        var sessionItem = items.get(Table.keyString(sessionKey));
        if (sessionItem == null || sessionItem.containsKey("revoked_at")) {
            throw ApiException.tokenRevoked();
        }
        var memberItem = items.get(Table.keyString(memberKey));
        if (memberItem == null) {
            throw ApiException.unauthorized("The token's user is no longer a member of its workspace.");
        }
        var member = MemberRepository.fromItem(memberItem);
        return Principal.user(claims.userId(), claims.workspaceId(), member.role(), claims.sessionId());
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

package dev.gantry.shared.identity;

import dev.gantry.shared.auth.OAuthStates;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.GitHubOAuthClient;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * GitHub sign-in (API.md §3), OAuth's web flow with the {@code state} bound to the browser:
 * <ol>
 * <li>{@link #start}: a random nonce goes into an HttpOnly cookie; the {@code state} sent to GitHub
 *     is signed ({@link OAuthStates}), expires in 10 minutes and carries the nonce's SHA-256 and
 *     the id of a single-use item that remembers the redirect URI.</li>
 * <li>{@link #callback}: the state's signature and expiry, the cookie's nonce against the state's
 *     hash, then the single-use item is deleted (conditionally: a replay finds it gone). Only then
 *     is the code exchanged. The GitHub user is found by the {@code GITHUB#<id>} claim, else linked
 *     to the Gantry user with the same GitHub-verified primary email, else created with a new free
 *     workspace. The GitHub user token is stored encrypted on the user.</li>
 * </ol>
 */
public final class GitHubSignInService {
    public static final String COOKIE = "gantry_oauth";
    public static final String COOKIE_PATH = "/v1/auth/github";
    public static final String CALLBACK_PATH = "/v1/auth/github/callback";
    public static final Duration STATE_TTL = Duration.ofMinutes(10);
    /** read:user and user:email, space-separated, as GitHub documents {@code scope}. */
    public static final String SCOPE_QUERY = "read:user%20user:email";
    /** The envelope-encryption context of the stored token: item type, field. */
    public static final String TOKEN_ITEM_TYPE = "user";
    public static final String TOKEN_FIELD = "github_token";

    private static final Pattern HOST = Pattern.compile("^([A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*|\\[[0-9A-Fa-f:.]{2,45}])(:[0-9]{1,5})?$");
    private static final int MAX_NAME = 100;

    private final GantryConfig.GitHub settings;
    private final Supplier<GitHubOAuthClient> client;
    private final OAuthStates states;
    private final OAuthStateRepository pending;
    private final AuthService auth;
    private final UserRepository users;
    private final Supplier<EnvelopeCipher> cipher;
    private final AuditLog audit;
    private final Clock clock;

    public GitHubSignInService(GantryConfig.GitHub settings, Supplier<GitHubOAuthClient> client, OAuthStates states,
                               OAuthStateRepository pending, AuthService auth, UserRepository users, Supplier<EnvelopeCipher> cipher,
                               AuditLog audit, Clock clock) {
        this.settings = settings;
        this.client = client;
        this.states = states;
        this.pending = pending;
        this.auth = auth;
        this.users = users;
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
    }

    /** Where to send the browser, and the cookie that binds the flow to it. */
    public record Start(String location, String setCookie) {}

    /** 503 {@code unavailable} unless a client id is configured. */
    public void requireConfigured() {
        if (!settings.signInConfigured()) {
            throw ApiException.unavailable("GitHub sign-in is not configured on this server (GANTRY_GITHUB_CLIENT_ID is not set).");
        }
    }

    /**
     * Starts a sign-in. {@code derivedRedirectUri} is used when no redirect URI is configured
     * (see {@link #callbackUrl}).
     */
    public Start start(String derivedRedirectUri) {
        requireConfigured();
        Instant now = clock.instant();
        String redirectUri = settings.redirectUri() != null ? settings.redirectUri() : derivedRedirectUri;
        String nonce = OAuthStates.newNonce();
        String stateId = OAuthStates.newStateId();
        Instant expiresAt = now.plus(STATE_TTL);
        pending.create(new OAuthStateRepository.Pending(stateId, OAuthStates.GITHUB_SIGN_IN, redirectUri, expiresAt));
        String state = states.sign(OAuthStates.GITHUB_SIGN_IN, stateId, OAuthStates.hashNonce(nonce), expiresAt);
        String location = trimSlash(settings.webUrl().toString()) + "/login/oauth/authorize"
                + "?client_id=" + enc(settings.clientId())
                + "&redirect_uri=" + enc(redirectUri)
                + "&scope=" + SCOPE_QUERY
                + "&state=" + enc(state)
                + "&allow_signup=true";
        return new Start(location, cookie(nonce, STATE_TTL.toSeconds()));
    }

    /** The Set-Cookie value that removes the binding cookie (sent with a finished sign-in). */
    public static String clearCookie() {
        return cookie("", 0);
    }

    /**
     * Finishes a sign-in: checks the state against the browser's cookie and consumes it, exchanges
     * the code, finds, links or creates the user, and starts a login.
     */
    public Views.TokenPair callback(String code, String state, String cookieNonce, Caller caller) {
        requireConfigured();
        Instant now = clock.instant();
        OAuthStates.Claims claims = states.verify(OAuthStates.GITHUB_SIGN_IN, state, now);
        if (cookieNonce == null || cookieNonce.isEmpty()) {
            throw ApiException.validation("state", "the sign-in cookie is missing: start the sign-in again in this browser");
        }
        if (!Hmac.constantTimeEquals(OAuthStates.hashNonce(cookieNonce), claims.nonceHash())) {
            throw ApiException.validation("state", "belongs to a sign-in started in another browser: start the sign-in again");
        }
        OAuthStateRepository.Pending started = pending.consume(claims.stateId(), OAuthStates.GITHUB_SIGN_IN, now);
        if (started == null) throw ApiException.validation("state", "was used already: start the sign-in again");

        GitHubOAuthClient github = client.get();
        String token = github.exchangeCode(code, started.redirectUri());
        GitHubOAuthClient.GitHubUser user = github.user(token);
        AuthService.Started login = signIn(github, token, user, caller);
        storeToken(login, token, now);
        return login.tokens();
    }

    private AuthService.Started signIn(GitHubOAuthClient github, String token, GitHubOAuthClient.GitHubUser gh, Caller caller) {
        String linked = users.findIdByGitHub(gh.id());
        if (linked != null) {
            return auth.signInAs(linked, "github", caller, (tx, userId, ws) -> users.refreshGitHubLogin(tx, userId, gh.id(), gh.login()));
        }
        String email = github.primaryVerifiedEmail(token);
        if (email == null || !plausibleEmail(email)) {
            throw ApiException.validation("email", "the GitHub account has no verified primary email: verify one at GitHub, then sign in again");
        }
        String existing = users.findIdByEmail(email);
        if (existing != null) {
            return auth.signInAs(existing, "github", caller, (tx, userId, ws) -> {
                users.linkGitHub(tx, userId, email, gh.id(), gh.login(), clock.instant());
                audit.record(tx, caller, userId, ws, "auth.github_linked", "user", userId,
                        Map.of("github_login", gh.login(), "github_id", gh.id(), "password_removed", true, "earlier_logins_ended", true));
            });
        }
        return auth.signupWithGitHub(email, displayName(gh), gh.id(), gh.login(), caller);
    }

    /** Encrypted under the session's workspace (item type user, id = user id, field github_token); never stored in clear. */
    private void storeToken(AuthService.Started login, String token, Instant now) {
        String ciphertext = cipher.get().encrypt(token, tokenAad(login.workspaceId(), login.userId()));
        users.setGitHubToken(login.userId(), new UserRepository.StoredGitHubToken(ciphertext, login.workspaceId(), now));
    }

    /** The user's GitHub token in clear (for the GitHub App checks of later issues), or null when none is stored. */
    public String gitHubToken(String userId) {
        UserRepository.StoredGitHubToken stored = users.gitHubToken(userId);
        if (stored == null || stored.workspaceId() == null) return null;
        return cipher.get().decrypt(stored.ciphertext(), tokenAad(stored.workspaceId(), userId));
    }

    static Aad tokenAad(String workspaceId, String userId) {
        return Aad.of(workspaceId, TOKEN_ITEM_TYPE, userId, TOKEN_FIELD);
    }

    /**
     * The callback URL when none is configured: {@code <scheme>://<host>/v1/auth/github/callback},
     * the host as API Gateway saw it and the scheme from {@code X-Forwarded-Proto} (https unless it
     * says http); with no usable host, {@code <fallbackBase>/v1/auth/github/callback}.
     */
    public static String callbackUrl(String host, String forwardedProto, String fallbackBase) {
        if (host == null || host.length() > 261 || !HOST.matcher(host).matches()) return trimSlash(fallbackBase) + CALLBACK_PATH;
        String scheme = "http".equalsIgnoreCase(forwardedProto == null ? null : forwardedProto.trim()) ? "http" : "https";
        return scheme + "://" + host.toLowerCase(Locale.ROOT) + CALLBACK_PATH;
    }

    private static String cookie(String value, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=" + COOKIE_PATH + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; Secure; SameSite=Lax";
    }

    private static String displayName(GitHubOAuthClient.GitHubUser gh) {
        String name = gh.name() == null || gh.name().isBlank() ? gh.login() : gh.name().strip();
        name = name.replaceAll("\\p{Cntrl}", " ");
        return name.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME);
    }

    private static boolean plausibleEmail(String email) {
        int at = email.indexOf('@');
        return email.length() <= 254 && at > 0 && at == email.lastIndexOf('@') && at < email.length() - 1
                && email.chars().noneMatch(c -> c <= ' ' || c == 0x7f);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

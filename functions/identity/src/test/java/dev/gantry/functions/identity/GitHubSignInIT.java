package dev.gantry.functions.identity;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.HttpGitHubOAuthClient;
import dev.gantry.shared.identity.GitHubSignInService;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.testing.FakeGitHub;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.LogCapture;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.TestStack;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GitHub sign-in (API.md §3) through the real handler, against DynamoDB Local and a local fake
 * GitHub answering as GitHub documents: the browser-bound, single-use, expiring state; creating,
 * finding and linking users; the errors GitHub can cause; the token stored encrypted.
 */
class GitHubSignInIT {
    private static final MovableClock CLOCK = new MovableClock();
    private static final AtomicLong GITHUB_IDS = new AtomicLong(System.nanoTime() % 1_000_000_000L);
    private static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static FakeGitHub github;
    private static Wiring wiring;
    private static IdentityClient api;

    @BeforeAll
    static void startFakeGitHub() {
        github = FakeGitHub.start(TestStack.GITHUB_CLIENT_SECRET);
        wiring = TestStack.newWiring(CLOCK, null, github.env());
        api = new IdentityClient(new IdentityHandler(wiring));
    }

    @AfterAll
    static void stop() {
        github.close();
    }

    @BeforeEach
    void resetClock() {
        CLOCK.now = Instant.now();
        github.reset();
    }

    // ---- a browser ------------------------------------------------------------------------------

    /** What the browser holds after GET /v1/auth/github/start: GitHub's URL and the binding cookie. */
    record Started(URI location, Map<String, String> query, String setCookie, String nonce) {}

    /** What GitHub sent the browser back with. */
    record Returned(String code, String state) {}

    static FakeGitHub.Account account(String email, boolean verified) {
        long id = GITHUB_IDS.incrementAndGet();
        return new FakeGitHub.Account(id, "octo-" + id, "Octo " + id, List.of(
                new FakeGitHub.Email("secondary-" + id + "@example.org", false, true),
                new FakeGitHub.Email(email, true, verified)));
    }

    static String email() {
        return "gh-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    static Started start(IdentityClient client, Map<String, String> headers) {
        Reply r = reply(client.handler.handleRequest(Http.event("GET", "/v1/auth/github/start", null, new HashMap<>(headers)), null)).expect(302);
        URI location = URI.create(r.header("Location"));
        String cookie = r.header("Set-Cookie");
        assertThat(cookie).startsWith(GitHubSignInService.COOKIE + "=");
        String nonce = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
        return new Started(location, query(location.getRawQuery()), cookie, nonce);
    }

    static Started start() {
        return start(api, Map.of());
    }

    /** The browser follows the Location to GitHub, where {@code account} approves. */
    static Returned approveAtGitHub(Started started, FakeGitHub.Account account) {
        github.signIn(account);
        try {
            HttpResponse<String> r = BROWSER.send(HttpRequest.newBuilder(started.location()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
            URI back = URI.create(r.headers().firstValue("Location").orElseThrow());
            Map<String, String> q = query(back.getRawQuery());
            return new Returned(q.get("code"), q.get("state"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** GET /v1/auth/github/callback as API Gateway delivers it: the Cookie header moved to {@code cookies}. */
    static Reply callback(IdentityHandler handler, String code, String state, String nonce) {
        String path = "/v1/auth/github/callback?code=" + enc(code) + "&state=" + enc(state);
        APIGatewayV2HTTPEvent event = Http.event("GET", path, null, Map.of());
        if (nonce != null) event.setCookies(List.of("theme=dark", GitHubSignInService.COOKIE + "=" + nonce));
        return reply(handler.handleRequest(event, null));
    }

    static Reply callback(String code, String state, String nonce) {
        return callback(api.handler, code, state, nonce);
    }

    static Reply signIn(FakeGitHub.Account account) {
        Started s = start();
        Returned back = approveAtGitHub(s, account);
        return callback(back.code(), back.state(), s.nonce()).expect(200);
    }

    /** The handler's answer as a browser would see it: API Gateway turns each of {@code cookies} into a Set-Cookie header. */
    static Reply reply(APIGatewayV2HTTPResponse r) {
        assertThat(r.getStatusCode()).as("never a 500: %s", r.getBody()).isNotEqualTo(500);
        Map<String, String> headers = new HashMap<>(r.getHeaders());
        assertThat(headers.keySet()).noneMatch(h -> h.equalsIgnoreCase("set-cookie"));
        if (r.getCookies() != null) {
            assertThat(r.getCookies()).hasSize(1);
            headers.put("Set-Cookie", r.getCookies().get(0));
        }
        return new Reply(r.getStatusCode(), headers, Http.json(r), r.getBody());
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static void expectBadState(Reply r) {
        r.expectError(400, "validation_error");
        assertThat(r.json().at("/details/fields/0/field").asText()).isEqualTo("state");
    }

    static List<JsonNode> audit(String token, String action) {
        var page = api.call("GET", "/v1/audit-log?action=" + action, null, token).expect(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        page.json().get("data").forEach(out::add);
        return out;
    }

    // ---- tests ----------------------------------------------------------------------------------

    @Test
    void startRedirectsToGitHubsAuthorizePageWithASignedStateAndABindingCookie() {
        Started s = start();
        assertThat(s.location().toString()).startsWith(github.webUrl() + "/login/oauth/authorize?");
        assertThat(s.location().getRawQuery()).contains("scope=read:user%20user:email").endsWith("&allow_signup=true");
        assertThat(s.query()).containsEntry("client_id", FakeGitHub.CLIENT_ID)
                .containsEntry("scope", "read:user user:email")
                .containsEntry("allow_signup", "true")
                // no redirect URI configured and no host on the event: GANTRY_PUBLIC_URL's
                .containsEntry("redirect_uri", "https://app.gantry.dev/v1/auth/github/callback")
                .containsKey("state");
        assertThat(s.setCookie()).contains("; HttpOnly").contains("; Secure").contains("; SameSite=Lax")
                .contains("; Path=/v1/auth/github").contains("; Max-Age=600");
        assertThat(s.nonce()).hasSizeGreaterThanOrEqualTo(43);
        assertThat(s.query().get("state")).doesNotContain(s.nonce());
    }

    @Test
    void theRedirectUriFollowsTheHostTheRequestCameIn() {
        Started s = start(api, Map.of("host", "api.gantry.example", "x-forwarded-proto", "https"));
        assertThat(s.query()).containsEntry("redirect_uri", "https://api.gantry.example/v1/auth/github/callback");
        // and the code exchange sends that same redirect_uri (the fake refuses a mismatch)
        Returned back = approveAtGitHub(s, account(email(), true));
        callback(back.code(), back.state(), s.nonce()).expect(200);
        var exchange = github.requests().stream().filter(r -> r.path().equals("/login/oauth/access_token")).findFirst().orElseThrow();
        assertThat(query(exchange.body())).containsEntry("redirect_uri", "https://api.gantry.example/v1/auth/github/callback");

        Started local = start(api, Map.of("host", "localhost:8080", "x-forwarded-proto", "http"));
        assertThat(local.query()).containsEntry("redirect_uri", "http://localhost:8080/v1/auth/github/callback");
        Started odd = start(api, Map.of("host", "evil.example/path?x=", "x-forwarded-proto", "http"));
        assertThat(odd.query()).containsEntry("redirect_uri", "https://app.gantry.dev/v1/auth/github/callback");
    }

    @Test
    void aNewUserGetsAFreeWorkspaceAndTokensThatWork() {
        String email = email();
        FakeGitHub.Account octo = account(email, true);
        Started s = start();
        Returned back = approveAtGitHub(s, octo);
        Reply r = callback(back.code(), back.state(), s.nonce()).expect(200);

        assertThat(r.json().fieldNames()).toIterable().containsExactlyInAnyOrder("token", "expires_at", "refresh_token");
        assertThat(r.header("Set-Cookie")).startsWith(GitHubSignInService.COOKIE + "=;").contains("Max-Age=0");
        String token = r.text("/token");
        var me = api.call("GET", "/v1/me", null, token).expect(200);
        assertThat(me.text("/email")).isEqualTo(email);
        assertThat(me.text("/github_login")).isEqualTo(octo.login());
        assertThat(me.text("/name")).isEqualTo(octo.name());
        assertThat(me.text("/role")).isEqualTo("owner");
        assertThat(me.text("/plan")).isEqualTo("free");
        assertThat(me.json().at("/quota/members/used").asInt()).isEqualTo(1);
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + r.text("/refresh_token") + "\"}", (String) null).expect(200);

        // No password: password login fails exactly like a wrong password.
        api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", (String) null)
                .expectError(401, "invalid_credentials");
        // The email is taken for password sign-up too.
        api.call("POST", "/v1/auth/signup", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"X\"}", (String) null)
                .expectError(409, "already_exists");

        JsonNode signedUp = audit(token, "user.signed_up").get(0);
        assertThat(signedUp.at("/metadata/method").asText()).isEqualTo("github");
        assertThat(audit(token, "auth.login").get(0).at("/metadata/method").asText()).isEqualTo("github");

        // GitHub was asked exactly as it documents.
        var exchange = github.requests().stream().filter(q -> q.path().equals("/login/oauth/access_token")).findFirst().orElseThrow();
        assertThat(exchange.method()).isEqualTo("POST");
        assertThat(exchange.headers()).containsEntry("accept", "application/json");
        assertThat(query(exchange.body())).containsEntry("client_id", FakeGitHub.CLIENT_ID)
                .containsEntry("client_secret", TestStack.GITHUB_CLIENT_SECRET).containsEntry("code", back.code())
                .containsKey("redirect_uri");
        for (String path : List.of("/api/v3/user", "/api/v3/user/emails")) {
            var call = github.requests().stream().filter(q -> q.path().equals(path)).findFirst().orElseThrow();
            assertThat(call.method()).isEqualTo("GET");
            assertThat(call.headers()).containsEntry("accept", "application/vnd.github+json")
                    .containsEntry("x-github-api-version", "2022-11-28")
                    .containsEntry("authorization", "Bearer " + github.issuedTokens().get(github.issuedTokens().size() - 1));
        }
    }

    @Test
    void aSecondSignInLogsIntoTheSameUserAndFollowsALoginRename() {
        FakeGitHub.Account octo = account(email(), true);
        var first = api.call("GET", "/v1/me", null, signIn(octo).text("/token")).expect(200);
        FakeGitHub.Account renamed = new FakeGitHub.Account(octo.id(), octo.login() + "-renamed", octo.name(), octo.emails());
        var second = api.call("GET", "/v1/me", null, signIn(renamed).text("/token")).expect(200);
        assertThat(second.text("/id")).isEqualTo(first.text("/id"));
        assertThat(second.text("/workspace_id")).isEqualTo(first.text("/workspace_id"));
        assertThat(second.text("/github_login")).isEqualTo(renamed.login());
        // a returning user needs no email lookup
        assertThat(github.requests().stream().filter(q -> q.path().equals("/api/v3/user/emails")).count()).isEqualTo(1);
    }

    /**
     * Sign-up does not prove email ownership; GitHub's verified email does. So an account someone
     * created with this email is handed to the GitHub user: linked, its password removed, and every
     * login started before the link ended (otherwise whoever pre-registered the email would keep a
     * way into the real owner's account).
     */
    @Test
    void anExistingUserWithTheSameVerifiedEmailIsLinkedAndEarlierCredentialsStopWorking() {
        String email = email();
        var signup = api.signup(email, "Ada");
        var login = api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", (String) null).expect(200);
        CLOCK.now = CLOCK.now.plusMillis(5);
        FakeGitHub.Account octo = account(email.toUpperCase(), true);
        Reply r = signIn(octo);
        String githubToken = r.text("/token");
        var me = api.call("GET", "/v1/me", null, githubToken).expect(200);
        assertThat(me.text("/id")).isEqualTo(signup.text("/user/id"));
        assertThat(me.text("/workspace_id")).isEqualTo(signup.text("/workspace/id"));
        assertThat(me.text("/github_login")).isEqualTo(octo.login());
        assertThat(me.text("/email")).isEqualTo(email);

        // the password and the logins from before the link are gone
        api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", (String) null)
                .expectError(401, "invalid_credentials");
        api.call("GET", "/v1/me", null, signup.text("/token")).expectError(401, "token_revoked");
        api.call("GET", "/v1/me", null, login.text("/token")).expectError(401, "token_revoked");
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + login.text("/refresh_token") + "\"}", (String) null)
                .expectError(401, "token_revoked");

        List<JsonNode> linked = audit(githubToken, "auth.github_linked");
        assertThat(linked).hasSize(1);
        assertThat(linked.get(0).at("/metadata/github_login").asText()).isEqualTo(octo.login());
        assertThat(linked.get(0).at("/metadata/password_removed").asBoolean()).isTrue();

        // and the next sign-in finds the link, not the email; the GitHub login keeps working
        var again = api.call("GET", "/v1/me", null, signIn(octo).text("/token")).expect(200);
        assertThat(again.text("/id")).isEqualTo(signup.text("/user/id"));
        assertThat(audit(githubToken, "auth.github_linked")).hasSize(1);
        api.call("GET", "/v1/me", null, githubToken).expect(200);
    }

    @Test
    void anUnverifiedPrimaryEmailNeitherLinksNorSignsUp() {
        String email = email();
        var signup = api.signup(email, "Victim");
        Started s = start();
        Returned back = approveAtGitHub(s, account(email, false));
        var r = callback(back.code(), back.state(), s.nonce()).expectError(400, "validation_error");
        assertThat(r.json().at("/details/fields/0/field").asText()).isEqualTo("email");
        assertThat(api.call("GET", "/v1/me", null, signup.text("/token")).expect(200).json().get("github_login").isNull()).isTrue();
    }

    @Test
    void aTamperedStateIs400() {
        Started s = start();
        Returned back = approveAtGitHub(s, account(email(), true));
        String state = back.state();
        int dot = state.indexOf('.');
        int at = dot + 5; // inside the MAC, where every bit of a character counts
        String badMac = state.substring(0, at) + (state.charAt(at) == 'A' ? 'Q' : 'A') + state.substring(at + 1);
        expectBadState(callback(back.code(), badMac, s.nonce()));
        char first = state.charAt(0);
        String badPayload = (first == 'e' ? 'f' : 'e') + state.substring(1);
        expectBadState(callback(back.code(), badPayload, s.nonce()));
        expectBadState(callback(back.code(), state.substring(0, dot), s.nonce()));
        expectBadState(callback(back.code(), "not-a-state", s.nonce()));
        // none of these reached GitHub, and the untouched state still works
        assertThat(github.requests()).noneMatch(q -> q.path().equals("/login/oauth/access_token"));
        callback(back.code(), state, s.nonce()).expect(200);
    }

    @Test
    void anExpiredStateIs400() {
        Started s = start();
        Returned back = approveAtGitHub(s, account(email(), true));
        CLOCK.now = CLOCK.now.plus(Duration.ofMinutes(10)).plusSeconds(1);
        var r = callback(back.code(), back.state(), s.nonce());
        expectBadState(r);
        assertThat(r.text("/details/fields/0/problem")).contains("expired");
        assertThat(github.requests()).noneMatch(q -> q.path().equals("/login/oauth/access_token"));
    }

    @Test
    void aReplayedStateIs400() {
        Started s = start();
        Returned back = approveAtGitHub(s, account(email(), true));
        callback(back.code(), back.state(), s.nonce()).expect(200);
        github.reset();
        var replay = callback(back.code(), back.state(), s.nonce());
        expectBadState(replay);
        assertThat(replay.text("/details/fields/0/problem")).contains("used already");
        assertThat(github.requests()).isEmpty();
    }

    @Test
    void aMissingCookieOrAnotherBrowsersCookieIs400() {
        Started mine = start();
        Started theirs = start();
        Returned back = approveAtGitHub(mine, account(email(), true));
        expectBadState(callback(back.code(), back.state(), null));
        expectBadState(callback(back.code(), back.state(), theirs.nonce()));
        expectBadState(callback(back.code(), back.state(), "forged"));
        assertThat(github.requests()).noneMatch(q -> q.path().equals("/login/oauth/access_token"));
        // the Cookie header works as well as API Gateway's cookies list
        String path = "/v1/auth/github/callback?code=" + enc(back.code()) + "&state=" + enc(back.state());
        api.call("GET", path, null, Map.of("cookie", "a=1; " + GitHubSignInService.COOKIE + "=" + mine.nonce())).expect(200);
    }

    @Test
    void missingParametersAndADeclinedAuthorizationAre400() {
        var r = api.call("GET", "/v1/auth/github/callback", null, Map.of()).expectError(400, "validation_error");
        assertThat(r.json().at("/details/fields").findValuesAsText("field")).containsExactlyInAnyOrder("code", "state");
        Started s = start();
        var declined = api.call("GET", "/v1/auth/github/callback?error=access_denied&state=" + enc(s.query().get("state")), null,
                Map.of("cookie", GitHubSignInService.COOKIE + "=" + s.nonce())).expectError(400, "validation_error");
        assertThat(declined.text("/details/fields/0/problem")).contains("access_denied");
    }

    @Test
    void aCodeGitHubRejectsIs400InvalidToken() {
        Started s = start();
        Returned back = approveAtGitHub(s, account(email(), true));
        callback("made-up-code", back.state(), s.nonce()).expectError(400, "invalid_token");
    }

    @Test
    void gitHubFailingIs503Unavailable() {
        FakeGitHub.Account octo = account(email(), true);
        for (String path : List.of("/login/oauth/access_token", "/api/v3/user", "/api/v3/user/emails")) {
            Started s = start();
            Returned back = approveAtGitHub(s, octo);
            github.failNext(path, 500);
            var r = callback(back.code(), back.state(), s.nonce()).expectError(503, "unavailable");
            assertThat(r.raw()).doesNotContain(back.code());
        }
        // and after GitHub recovers, signing in again works (each failed attempt consumed its state)
        signIn(octo);
    }

    @Test
    void gitHubUnreachableOrSlowIs503() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(github.env());
        env.put("GANTRY_GITHUB_URL", "http://127.0.0.1:" + closedPort);
        IdentityClient unreachable = new IdentityClient(new IdentityHandler(TestStack.newWiring(CLOCK, null, env)));
        Started s = start(unreachable, Map.of());
        // The state is Gantry's own: complete the browser's part against the working fake.
        Started viaFake = new Started(URI.create(s.location().toString().replace("127.0.0.1:" + closedPort, github.webUrl().getAuthority())),
                s.query(), s.setCookie(), s.nonce());
        Returned back = approveAtGitHub(viaFake, account(email(), true));
        callback(unreachable.handler, back.code(), back.state(), s.nonce()).expectError(503, "unavailable");

        // A GitHub slower than the request timeout (the driver built with a short one).
        var client = new HttpGitHubOAuthClient(github.webUrl(), github.apiUrl(), FakeGitHub.CLIENT_ID, () -> TestStack.GITHUB_CLIENT_SECRET,
                Duration.ofSeconds(1), Duration.ofMillis(300));
        github.delayNext("/api/v3/user", 2000);
        assertThatThrownBy(() -> client.user("gho_whatever"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("unavailable"));
        assertThatThrownBy(() -> client.user("gho_whatever"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_token"));
    }

    @Test
    void theGitHubTokenIsStoredEncryptedNeverInClear() {
        FakeGitHub.Account octo = account(email(), true);
        Reply r = signIn(octo);
        String issued = github.issuedTokens().get(github.issuedTokens().size() - 1);
        String userId = api.call("GET", "/v1/me", null, r.text("/token")).expect(200).text("/id");

        var item = wiring.table().get(Keys.user(userId), true);
        String stored = Attr.str(item, "github_token");
        assertThat(EnvelopeCipher.isCiphertext(stored)).isTrue();
        assertThat(stored).doesNotContain(issued);
        assertThat(wiring.gitHubSignIn().gitHubToken(userId)).isEqualTo(issued);

        // Nowhere in the table in clear (a test may Scan; the service never does).
        try (DynamoDbClient admin = TestStack.adminClient()) {
            var items = admin.scanPaginator(b -> b.tableName(wiring.config().tableName())).items();
            for (var i : items) {
                for (var v : i.values()) {
                    String text = v.s() != null ? v.s() : String.valueOf(v);
                    assertThat(text).doesNotContain(issued);
                    assertThat(text).doesNotContain(TestStack.GITHUB_CLIENT_SECRET);
                }
            }
        }
    }

    @Test
    void logsHoldNeitherTheCodeNorTheTokenNorTheClientSecret() {
        try (LogCapture capture = LogCapture.start()) {
            List<LogEvent> events = capture.events();
            Started s = start();
            Returned back = approveAtGitHub(s, account(email(), true));
            github.failNext("/api/v3/user", 502);
            callback(back.code(), back.state(), s.nonce()).expectError(503, "unavailable");
            Started s2 = start();
            Returned back2 = approveAtGitHub(s2, account(email(), true));
            Reply ok = callback(back2.code(), back2.state(), s2.nonce()).expect(200);
            assertThat(events).isNotEmpty();
            List<String> secrets = new java.util.ArrayList<>(github.issuedTokens());
            secrets.addAll(List.of(back.code(), back2.code(), s.nonce(), s2.nonce(), TestStack.GITHUB_CLIENT_SECRET, ok.text("/token")));
            for (LogEvent e : events) {
                String line = e.getMessage().getFormattedMessage() + e.getContextData() + (e.getThrown() == null ? "" : e.getThrown().toString());
                for (String secret : secrets) assertThat(line).doesNotContain(secret);
            }
        }
    }

    @Test
    void aConfiguredRedirectUriIsUsedAsItIs() {
        Map<String, String> env = new HashMap<>(github.env());
        env.put("GANTRY_GITHUB_REDIRECT_URI", "https://app.example.test/auth/github/done");
        IdentityClient configured = new IdentityClient(new IdentityHandler(TestStack.newWiring(CLOCK, null, env)));
        Started s = start(configured, Map.of("host", "api.gantry.example"));
        assertThat(s.query()).containsEntry("redirect_uri", "https://app.example.test/auth/github/done");
        Returned back = approveAtGitHub(s, account(email(), true));
        callback(configured.handler, back.code(), back.state(), s.nonce()).expect(200);
    }

    @Test
    void withoutAClientIdGitHubSignInIsUnavailable() {
        IdentityClient plain = new IdentityClient(new IdentityHandler(TestStack.newWiring()));
        var r = plain.call("GET", "/v1/auth/github/start", null, Map.of()).expectError(503, "unavailable");
        assertThat(r.text("/message")).contains("GANTRY_GITHUB_CLIENT_ID");
        plain.call("GET", "/v1/auth/github/callback?code=x&state=y", null, Map.of()).expectError(503, "unavailable");
    }
}

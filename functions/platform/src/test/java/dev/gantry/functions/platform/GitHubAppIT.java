package dev.gantry.functions.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.HttpGitHubApp;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.Views;
import dev.gantry.shared.platform.GitHubInstallService;
import dev.gantry.shared.platform.ScanRunner;
import dev.gantry.shared.testing.FakeGitHub;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GitHub App against a fake GitHub through the real HTTP client: linking an installation only
 * when the caller's own GitHub token lists it (a forged installation_id is refused), connecting a
 * repo only when a linked installation covers it, unlinking on the installation webhook, and a
 * scan that meets GitHub's rate limit waiting for the reset instead of failing.
 */
class GitHubAppIT {
    static final String APP_ID = "777001";
    static FakeGitHub github;
    static PlatformClient api;
    static GitHubInstallService install;
    static final Map<String, String> githubTokens = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        github = FakeGitHub.start("unused-oauth-secret");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair key = rsa.generateKeyPair();
        github.registerApp(APP_ID, key.getPublic());
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        var wiring = TestStack.newWiring(Clock.systemUTC(), null, Map.of("GANTRY_GITHUB_URL", github.webUrl().toString(),
                "GANTRY_GITHUB_API_URL", github.apiUrl().toString(), "GANTRY_GITHUB_APP_ID", APP_ID));
        wiring.gitHubApp(new HttpGitHubApp(github.apiUrl(), APP_ID, () -> pem, Clock.systemUTC()));
        api = new PlatformClient(wiring);
        install = wiring.gitHubInstallService(githubTokens::get);
    }

    @AfterAll
    static void stop() {
        github.close();
    }

    /** The owner of a new workspace, signed in with GitHub as {@code login}. */
    private static Principal owner(Views.SignupView account, String login) {
        Principal principal = Principal.user(account.user().id(), account.workspace().id(), Role.OWNER, null);
        githubTokens.put(principal.userId(), github.userToken(login));
        return principal;
    }

    private static String stateOf(String redirect) {
        String query = URI.create(redirect).getRawQuery();
        return URLDecoder.decode(query.substring(query.indexOf("state=") + 6), StandardCharsets.UTF_8);
    }

    @Test
    void aForgedInstallationIdIsRefusedAndARealOneLinks() {
        github.addRepo("acme/web", "main", Map.of("package.json", "{\"dependencies\":{\"next\":\"14\"}}"));
        github.addInstallation(5001, "acme", List.of("acme/web"), "alice");
        github.addInstallation(5002, "evilcorp", List.of("evilcorp/app"), "mallory");
        Views.SignupView account = api.signupAccount("alice");
        String token = account.token();
        Principal alice = owner(account, "alice");
        Caller caller = new Caller(alice, "203.0.113.7", "req_test");

        // before any link: connecting the repo needs an installation that covers it
        api.call("POST", "/v1/repos", "{\"full_name\":\"acme/web\"}", token).expectError(403, "github_app_not_installed");

        String redirect = install.installRedirect(alice);
        assertThat(redirect).startsWith(github.webUrl() + "/apps/gantry/installations/new?state=");
        String state = stateOf(redirect);
        // installation 5002 exists, but alice's GitHub account has no access to it: a forged id
        assertThatThrownBy(() -> install.setup(alice, 5002, state, caller))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code()).isEqualTo("forbidden");
        // a state made for another workspace or user is refused too
        Principal bob = owner(api.signupAccount("bob"), "bob");
        assertThatThrownBy(() -> install.setup(bob, 5001, state, new Caller(bob, "203.0.113.7", "req_test")))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code()).isEqualTo("forbidden");

        var linked = install.setup(alice, 5001, state, caller);
        assertThat(linked.accountLogin()).isEqualTo("acme");
        assertThat(linked.repositories()).containsExactly("acme/web");
        assertThat(api.call("GET", "/v1/github/installations", null, token).expect(200).json().get("data").get(0).get("installation_id").asLong())
                .isEqualTo(5001);

        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"acme/web\"}", token).expect(201).text("/id");
        api.drain(3);
        var repo = api.call("GET", "/v1/repos/" + repoId, null, token).expect(200);
        assertThat(repo.text("/language")).isEqualTo("nodejs");
        assertThat(repo.text("/framework")).isEqualTo("next");

        // GitHub says the installation was deleted: it is unlinked, and new repos need it again
        install.onInstallation("deleted", 5001, List.of());
        assertThat(api.call("GET", "/v1/github/installations", null, token).expect(200).json().get("data")).isEmpty();
        api.call("POST", "/v1/repos", "{\"full_name\":\"acme/other\"}", token).expectError(403, "github_app_not_installed");
    }

    @Test
    void aScanThatMeetsTheRateLimitWaitsForTheResetThenCompletes() {
        github.addRepo("ratelimited/site", "main", Map.of("index.html", "<h1>hi</h1>"));
        github.addInstallation(6001, "ratelimited", List.of("ratelimited/site"), "carol");
        Views.SignupView account = api.signupAccount("carol");
        String token = account.token();
        Principal carol = owner(account, "carol");
        install.setup(carol, 6001, stateOf(install.installRedirect(carol)), new Caller(carol, "203.0.113.7", "req_test"));
        String repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"ratelimited/site\"}", token).expect(201).text("/id");

        github.rateLimitNext("/api/v3/repos/ratelimited/site", FakeGitHub.RateLimit.PRIMARY, Duration.ofSeconds(42));
        api.drain(1);
        // put back on the queue, delayed until GitHub's reset, and not failed
        assertThat(api.sent).hasSize(1);
        assertThat(api.sent.get(0).delaySeconds()).isBetween(40, 43);
        assertThat(ScanRunner.Message.parse(api.sent.get(0).body()).rateLimitRetries()).isEqualTo(1);
        assertThat(api.call("GET", "/v1/repos/" + repoId, null, token).expect(200).text("/scan_status")).isNotEqualTo("failed");
        api.drain(1);
        var repo = api.call("GET", "/v1/repos/" + repoId, null, token).expect(200);
        assertThat(repo.text("/scan_status")).isEqualTo("completed");
        assertThat(repo.text("/language")).isEqualTo("static");
    }
}

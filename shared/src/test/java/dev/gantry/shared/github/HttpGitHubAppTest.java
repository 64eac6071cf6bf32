package dev.gantry.shared.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.github.GitHubApiException.Kind;
import dev.gantry.shared.github.GitHubApp.Installation;
import dev.gantry.shared.github.GitHubApp.RepoTree;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.testing.FakeGitHub;
import dev.gantry.shared.testing.FakeGitHub.RateLimit;
import dev.gantry.shared.testing.MovableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link HttpGitHubApp} against the fake GitHub: App JWTs, installation tokens, lists, trees, contents, failures. */
class HttpGitHubAppTest {
    private static final String APP_ID = "424242";
    private static FakeGitHub github;
    private static KeyPair appKey;

    private final MovableClock clock = new MovableClock();
    private HttpGitHubApp app;
    private String repoFullName;
    private long installationId;

    @BeforeAll
    static void start() throws Exception {
        github = FakeGitHub.start("unused-oauth-secret");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        appKey = rsa.generateKeyPair();
        github.registerApp(APP_ID, appKey.getPublic());
    }

    @AfterAll
    static void stop() {
        github.close();
    }

    private static long nextInstallation = 100;

    @BeforeEach
    void setUp() {
        github.reset();
        github.useClock(clock);
        github.truncateTreesAt(Integer.MAX_VALUE);
        installationId = ++nextInstallation;
        repoFullName = "acme-" + installationId + "/web";
        Map<String, String> files = new LinkedHashMap<>();
        files.put("package.json", "{\"dependencies\": {\"express\": \"^4\"}}");
        files.put("src/index.js", "console.log('héllo')\n");
        files.put("docs/guide/intro.md", "x".repeat(5000));
        files.put("path with space/a+b.txt", "spaces and plus");
        github.addRepo(repoFullName, "trunk", files);
        github.addInstallation(installationId, "acme-" + installationId, List.of(repoFullName), "octo");
        app = new HttpGitHubApp(github.apiUrl(), APP_ID, () -> pkcs8Pem(appKey), clock);
    }

    // --- Installation tokens

    @Test
    void installationTokenIsMintedOnceAndReusedUntilFiveMinutesBeforeItExpires() {
        app.installationRepositories(installationId);
        app.tree(installationId, repoFullName, null);
        app.fileContent(installationId, repoFullName, "package.json", null);
        assertThat(tokenRequests()).isEqualTo(1);

        clock.now = clock.now.plus(Duration.ofMinutes(54));
        app.installationRepositories(installationId);
        assertThat(tokenRequests()).isEqualTo(1);

        clock.now = clock.now.plus(Duration.ofMinutes(2)); // 4 minutes left: too close to expiry
        app.installationRepositories(installationId);
        assertThat(tokenRequests()).isEqualTo(2);
    }

    @Test
    void tokensAreCachedPerInstallation() {
        long other = installationId + 10_000;
        github.addInstallation(other, "other-org", List.of(), "octo");
        app.installationRepositories(installationId);
        app.installationRepositories(other);
        app.installationRepositories(installationId);
        assertThat(tokenRequests()).isEqualTo(2);
    }

    @Test
    void appJwtIsRs256WithIssuerAndNineMinutesOfValidity() throws Exception {
        app.installationRepositories(installationId);
        FakeGitHub.Recorded mint = github.requests().stream()
                .filter(r -> r.path().endsWith("/access_tokens")).findFirst().orElseThrow();
        assertThat(mint.method()).isEqualTo("POST");
        assertThat(mint.path()).isEqualTo("/api/v3/app/installations/" + installationId + "/access_tokens");
        assertThat(mint.headers()).containsEntry("accept", "application/vnd.github+json")
                .containsEntry("x-github-api-version", "2022-11-28").containsKey("user-agent");
        String[] jwt = mint.headers().get("authorization").substring("Bearer ".length()).split("\\.");
        JsonNode header = Json.mapper().readTree(Base64.getUrlDecoder().decode(jwt[0]));
        JsonNode claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(jwt[1]));
        assertThat(header.get("alg").asText()).isEqualTo("RS256");
        assertThat(claims.get("iss").asText()).isEqualTo(APP_ID);
        long now = clock.now.getEpochSecond();
        assertThat(claims.get("iat").asLong()).isEqualTo(now - 60);
        assertThat(claims.get("exp").asLong()).isEqualTo(now + 540);
    }

    @Test
    void pkcs1KeyAsGitHubDownloadsItWorksToo() {
        HttpGitHubApp pkcs1 = new HttpGitHubApp(github.apiUrl(), APP_ID, () -> pkcs1Pem(appKey), clock);
        assertThat(pkcs1.installationRepositories(installationId)).containsExactly(repoFullName);
    }

    @Test
    void jwtSignedWithAnotherKeyIsUnauthorizedAndTheMessageHoldsNoSecret() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair wrong = rsa.generateKeyPair();
        HttpGitHubApp impostor = new HttpGitHubApp(github.apiUrl(), APP_ID, () -> pkcs8Pem(wrong), clock);
        GitHubApiException e = failure(() -> impostor.installationRepositories(installationId), Kind.UNAUTHORIZED);
        assertThat(github.requests()).anyMatch(r -> r.path().endsWith("/access_tokens"));
        assertNoSecretIn(e.getMessage());
        assertThat(e.getMessage()).doesNotContain(Base64.getEncoder().encodeToString(wrong.getPrivate().getEncoded()).substring(0, 40));
    }

    @Test
    void unknownAppIdIsUnauthorized() {
        HttpGitHubApp unknown = new HttpGitHubApp(github.apiUrl(), "999", () -> pkcs8Pem(appKey), clock);
        failure(() -> unknown.installationRepositories(installationId), Kind.UNAUTHORIZED);
    }

    @Test
    void unknownInstallationIsNotFound() {
        GitHubApiException e = failure(() -> app.installationRepositories(987_654_321L), Kind.NOT_FOUND);
        assertThat(e.getMessage()).contains("no longer installed");
    }

    @Test
    void revokedCachedTokenIsReplacedOnce() {
        app.installationRepositories(installationId);
        github.failNext("/api/v3/installation/repositories", 401);
        assertThat(app.installationRepositories(installationId)).containsExactly(repoFullName);
        assertThat(tokenRequests()).isEqualTo(2);
    }

    @Test
    void privateKeyThatIsNotPemFailsWithoutEchoingIt() {
        HttpGitHubApp broken = new HttpGitHubApp(github.apiUrl(), APP_ID, () -> "not-a-key-s3cr3t", clock);
        assertThatThrownBy(() -> broken.installationRepositories(installationId))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("s3cr3t");
    }

    // --- Lists and pagination

    @Test
    void userInstallationsFollowsPagesWithTheUsersToken() {
        String token = github.userToken("pager-" + installationId);
        List<Long> ids = IntStream.range(0, 230).mapToObj(i -> 1_000_000L + installationId * 1000 + i).toList();
        for (long id : ids) github.addInstallation(id, "org-" + id, List.of(), "pager-" + installationId);

        List<Installation> installations = app.userInstallations(token);

        assertThat(installations).extracting(Installation::id).containsExactlyElementsOf(ids);
        assertThat(installations.getFirst().accountLogin()).isEqualTo("org-" + ids.getFirst());
        assertThat(installations.getFirst().accountType()).isEqualTo("Organization");
        assertThat(installations.getFirst().accountId()).isPositive();
        assertThat(github.count("GET", "/api/v3/user/installations")).isEqualTo(3);
        assertThat(github.requests()).filteredOn(r -> r.path().equals("/api/v3/user/installations"))
                .allSatisfy(r -> assertThat(r.headers()).containsEntry("authorization", "Bearer " + token))
                .extracting(FakeGitHub.Recorded::query)
                .containsExactly("per_page=100", "per_page=100&page=2", "per_page=100&page=3");
        assertThat(tokenRequests()).isZero();
    }

    @Test
    void userInstallationsSeesOnlyInstallationsTheUserHasAccessTo() {
        String octo = github.userToken("octo");
        assertThat(app.userInstallations(octo)).extracting(Installation::id).contains(installationId);
        assertThat(app.userInstallations(github.userToken("stranger"))).extracting(Installation::id).doesNotContain(installationId);
    }

    @Test
    void badUserTokenIsUnauthorizedWithoutEchoingIt() {
        GitHubApiException e = failure(() -> app.userInstallations("gho_not-a-real-token"), Kind.UNAUTHORIZED);
        assertThat(e.getMessage()).doesNotContain("gho_not-a-real-token");
    }

    @Test
    void installationRepositoriesFollowsPages() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 205; i++) names.add("many-" + installationId + "/repo-" + i);
        long many = installationId + 20_000;
        github.addInstallation(many, "many-" + installationId, names);

        assertThat(app.installationRepositories(many)).containsExactlyElementsOf(names);
        assertThat(github.count("GET", "/api/v3/installation/repositories")).isEqualTo(3);
    }

    // --- Trees and contents

    @Test
    void treeWithoutRefUsesTheDefaultBranchAndListsFilesOnly() {
        RepoTree tree = app.tree(installationId, repoFullName, null);
        assertThat(tree.ref()).isEqualTo("trunk");
        assertThat(tree.truncated()).isFalse();
        assertThat(tree.paths()).containsExactlyInAnyOrder("package.json", "src/index.js", "docs/guide/intro.md", "path with space/a+b.txt");
        assertThat(github.requests()).extracting(r -> r.method() + " " + r.path() + (r.query() == null ? "" : "?" + r.query()))
                .contains("GET /api/v3/repos/" + repoFullName, "GET /api/v3/repos/" + repoFullName + "/git/trees/trunk?recursive=1");
    }

    @Test
    void treeWithRefSkipsTheRepositoryLookup() {
        assertThat(app.tree(installationId, repoFullName, "trunk").paths()).hasSize(4);
        assertThat(github.count("GET", "/api/v3/repos/")).isEqualTo(1);
    }

    @Test
    void truncatedTreeSaysSo() {
        github.truncateTreesAt(2);
        assertThat(app.tree(installationId, repoFullName, "trunk").truncated()).isTrue();
    }

    @Test
    void emptyRepositoryHasAnEmptyTree() {
        String empty = "acme-" + installationId + "/empty";
        github.addRepo(empty, "main", Map.of());
        long inst = installationId + 30_000;
        github.addInstallation(inst, "acme-" + installationId, List.of(empty));
        assertThat(app.tree(inst, empty, null)).isEqualTo(new RepoTree("main", List.of(), false));
    }

    @Test
    void unknownBranchOrUncoveredRepositoryIsNotFound() {
        failure(() -> app.tree(installationId, repoFullName, "no-such-branch"), Kind.NOT_FOUND);
        github.addRepo("elsewhere/private", "main", Map.of("a", "b"));
        failure(() -> app.tree(installationId, "elsewhere/private", null), Kind.NOT_FOUND);
    }

    @Test
    void fileContentIsDecoded() {
        assertThat(app.fileContent(installationId, repoFullName, "src/index.js", null)).contains("console.log('héllo')\n");
        assertThat(app.fileContent(installationId, repoFullName, "docs/guide/intro.md", "trunk")).contains("x".repeat(5000));
        assertThat(app.fileContent(installationId, repoFullName, "path with space/a+b.txt", null)).contains("spaces and plus");
        assertThat(github.requests()).extracting(FakeGitHub.Recorded::query).contains("ref=trunk");
    }

    @Test
    void missingFileOrDirectoryIsEmpty() {
        assertThat(app.fileContent(installationId, repoFullName, "nope.txt", null)).isEmpty();
        assertThat(app.fileContent(installationId, repoFullName, "src", null)).isEmpty();
    }

    @Test
    void fileOverOneMebibyteIsEmpty() {
        String big = "acme-" + installationId + "/big";
        github.addRepo(big, "main", Map.of("huge.txt", "y".repeat(1024 * 1024 + 1)));
        long inst = installationId + 40_000;
        github.addInstallation(inst, "acme-" + installationId, List.of(big));
        assertThat(app.fileContent(inst, big, "huge.txt", null)).isEmpty();
    }

    @Test
    void pathsThatCouldEscapeTheRepositoryAreRefused() {
        assertThatThrownBy(() -> app.fileContent(installationId, repoFullName, "../../user", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> app.tree(installationId, "acme/../../user", null)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- Rate limits and failures

    @Test
    void primaryRateLimitWaitsUntilTheReset() {
        github.rateLimitNext("/api/v3/repos/", RateLimit.PRIMARY, Duration.ofSeconds(37));
        GitHubApiException e = failure(() -> app.tree(installationId, repoFullName, null), Kind.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(37));
        assertThat(e.getMessage()).isEqualTo("GitHub's API rate limit is exhausted; retry after 37 s.");
    }

    @Test
    void secondaryRateLimitWaitsRetryAfter() {
        github.rateLimitNext("/api/v3/user/installations", RateLimit.SECONDARY, Duration.ofSeconds(12));
        GitHubApiException e = failure(() -> app.userInstallations(github.userToken("octo")), Kind.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(12));
    }

    @Test
    void rateLimitedTokenMintIsRateLimited() {
        github.rateLimitNext("/api/v3/app/", RateLimit.SECONDARY, Duration.ofSeconds(90));
        GitHubApiException e = failure(() -> app.installationRepositories(installationId), Kind.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(90));
    }

    @Test
    void serverErrorIsUnavailable() {
        github.failNext("/api/v3/repos/" + repoFullName + "/git/trees/trunk", 502);
        failure(() -> app.tree(installationId, repoFullName, "trunk"), Kind.UNAVAILABLE);
    }

    @Test
    void plainForbiddenIsForbidden() {
        github.failNext("/api/v3/repos/" + repoFullName, 403);
        GitHubApiException e = failure(() -> app.tree(installationId, repoFullName, null), Kind.FORBIDDEN);
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void timeoutIsUnavailable() {
        HttpGitHubApp impatient = new HttpGitHubApp(github.apiUrl(), APP_ID, () -> pkcs8Pem(appKey), clock,
                Duration.ofSeconds(1), Duration.ofMillis(200));
        github.delayNext("/api/v3/user/installations", 1500);
        failure(() -> impatient.userInstallations(github.userToken("octo")), Kind.UNAVAILABLE);
    }

    @Test
    void refusedConnectionIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HttpGitHubApp nowhere = new HttpGitHubApp(URI.create("http://127.0.0.1:" + port + "/api/v3"), APP_ID, () -> pkcs8Pem(appKey), clock);
        failure(() -> nowhere.userInstallations("gho_x"), Kind.UNAVAILABLE);
    }

    @Test
    void noIssuedTokenEverAppearsInAnExceptionMessage() {
        app.installationRepositories(installationId);
        github.failNext("/api/v3/installation/repositories", 500);
        GitHubApiException e = failure(() -> app.installationRepositories(installationId), Kind.UNAVAILABLE);
        assertNoSecretIn(e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------

    private long tokenRequests() {
        return github.count("POST", "/api/v3/app/installations/");
    }

    private static GitHubApiException failure(ThrowingCallable call, Kind kind) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(t).isInstanceOf(GitHubApiException.class);
        GitHubApiException e = (GitHubApiException) t;
        assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
        return e;
    }

    private static void assertNoSecretIn(String message) {
        for (String token : github.issuedTokens()) assertThat(message).doesNotContain(token);
        assertThat(message).doesNotContain("ghs_").doesNotContain("eyJ").doesNotContain("PRIVATE KEY");
    }

    static String pkcs8Pem(KeyPair key) {
        return pem("PRIVATE KEY", key.getPrivate().getEncoded());
    }

    /** The PKCS#1 RSAPrivateKey is the OCTET STRING inside the PKCS#8 PrivateKeyInfo SEQUENCE. */
    static String pkcs1Pem(KeyPair key) {
        byte[] der = key.getPrivate().getEncoded();
        int[] pos = {0};
        readHeader(der, pos, 0x30);              // PrivateKeyInfo
        int skip = readHeader(der, pos, 0x02);   // version (read the length before moving past it)
        pos[0] += skip;
        skip = readHeader(der, pos, 0x30);       // AlgorithmIdentifier
        pos[0] += skip;
        int length = readHeader(der, pos, 0x04); // privateKey
        byte[] pkcs1 = new byte[length];
        System.arraycopy(der, pos[0], pkcs1, 0, length);
        return pem("RSA PRIVATE KEY", pkcs1);
    }

    /** Reads a DER tag (checked) and length, leaves {@code pos} at the value, returns its length. */
    private static int readHeader(byte[] der, int[] pos, int tag) {
        assertThat(der[pos[0]++] & 0xff).isEqualTo(tag);
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) return first;
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) length = (length << 8) | (der[pos[0]++] & 0xff);
        return length;
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

}

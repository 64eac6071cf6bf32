package dev.gantry.shared.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local fake of the GitHub endpoints GitHub sign-in uses, answering as GitHub documents them
 * (JDK HttpServer on 127.0.0.1, a free port). The web endpoints sit at the root, the REST API under
 * {@code /api/v3} (as on GitHub Enterprise Server), so a client that ignores a base URL's path fails.
 * <ul>
 * <li>{@code GET /login/oauth/authorize}: the user set with {@link #signIn} approves at once: 302 to
 *     {@code redirect_uri?code=…&state=…}.</li>
 * <li>{@code POST /login/oauth/access_token}: form or query parameters; {@code Accept:
 *     application/json} gets JSON, errors as 200 {@code {"error": …}} the way GitHub sends them.</li>
 * <li>{@code GET /api/v3/user}, {@code GET /api/v3/user/emails}: bearer token; 401 "Bad
 *     credentials" otherwise.</li>
 * </ul>
 * The GitHub App side, under {@code /api/v3} too, with the test registering what exists
 * ({@link #registerApp}, {@link #addInstallation}, {@link #addRepo}):
 * <ul>
 * <li>{@code POST /app/installations/{id}/access_tokens}: bearer App JWT, RS256-verified with the
 *     registered public key of its {@code iss}, {@code exp} in the future and at most 10 minutes
 *     after {@code iat}; 401 otherwise. 201 {@code {token, expires_at, …}}, tokens valid one hour.</li>
 * <li>{@code GET /user/installations}: a user token (from sign-in above, or {@link #userToken});
 *     the installations that user was given access to.</li>
 * <li>{@code GET /installation/repositories}, {@code GET /repos/{o}/{r}},
 *     {@code GET /repos/{o}/{r}/git/trees/{ref}[?recursive=1]},
 *     {@code GET /repos/{o}/{r}/contents/{path}[?ref=]}: an installation token; repositories the
 *     installation does not cover are 404, as on GitHub.</li>
 * </ul>
 * Lists page with {@code per_page} (default 30, at most 100) and {@code page}, with GitHub's
 * {@code Link} header. Times (JWT checks, token expiry, rate-limit resets) follow {@link #useClock}.
 * <p>
 * {@link #failNext} makes the next request to a path answer a given status, {@link #rateLimitNext}
 * the next request under a path prefix answer GitHub's primary or secondary rate limit; every
 * request is recorded.
 */
public final class FakeGitHub implements AutoCloseable {
    public static final String CLIENT_ID = "Iv1.fakegithubclient";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A GitHub account. */
    public record Account(long id, String login, String name, List<Email> emails) {}

    public record Email(String email, boolean primary, boolean verified) {}

    /** One request as the fake received it (header names lower-cased). */
    public record Recorded(String method, String path, String query, Map<String, String> headers, String body) {}

    private record Grant(Account account, String redirectUri) {}

    /** How {@link #rateLimitNext} answers: the primary limit (403, {@code x-ratelimit-remaining: 0} and
     *  {@code x-ratelimit-reset}) or a secondary limit (429 with {@code retry-after}). */
    public enum RateLimit { PRIMARY, SECONDARY }

    private record RateLimited(RateLimit kind, Duration lifting) {}

    private record Installation(long id, String accountLogin, long accountId, String accountType,
                                List<String> repos, Set<String> userLogins) {}

    private record Repo(long id, String fullName, String defaultBranch, Map<String, String> files) {}

    private record InstallationToken(long installationId, Instant expiresAt) {}

    private final HttpServer server;
    private final String clientSecret;
    private final AtomicReference<Account> signedIn = new AtomicReference<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, Account> tokens = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> issuedTokens = new CopyOnWriteArrayList<>();
    private final Map<String, PublicKey> apps = new ConcurrentHashMap<>();
    private final Map<Long, Installation> installations = new ConcurrentSkipListMap<>();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, InstallationToken> installationTokens = new ConcurrentHashMap<>();
    private final Map<String, RateLimited> rateLimits = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1000);
    private volatile Clock clock = Clock.systemUTC();
    private volatile int treeLimit = Integer.MAX_VALUE;
    private volatile String lastAppId;

    private FakeGitHub(String clientSecret) throws IOException {
        this.clientSecret = clientSecret;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-github");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public static FakeGitHub start(String clientSecret) {
        try {
            return new FakeGitHub(clientSecret);
        } catch (IOException e) {
            throw new IllegalStateException("the fake GitHub did not start", e);
        }
    }

    public URI webUrl() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort()); }

    public URI apiUrl() { return URI.create(webUrl() + "/api/v3"); }

    /** The configuration that points Gantry's GitHub sign-in at this fake. */
    public Map<String, String> env() {
        return Map.of("GANTRY_GITHUB_URL", webUrl().toString(), "GANTRY_GITHUB_API_URL", apiUrl().toString(),
                "GANTRY_GITHUB_CLIENT_ID", CLIENT_ID);
    }

    /** The account that approves the next authorizations (as if signed in at GitHub in the browser). */
    public void signIn(Account account) { signedIn.set(account); }

    /** The next request to {@code path} (e.g. {@code /login/oauth/access_token}) answers {@code status} with a GitHub-like body. */
    public void failNext(String path, int status) { failures.put(path, status); }

    /** The next request to {@code path} is answered only after {@code millis} (for timeouts). */
    public void delayNext(String path, long millis) { delays.put(path, millis); }

    public List<Recorded> requests() { return List.copyOf(requests); }

    /** Every access token this fake issued (to check none is stored or logged in clear). */
    public List<String> issuedTokens() { return List.copyOf(issuedTokens); }

    public void reset() {
        requests.clear();
        failures.clear();
        delays.clear();
        rateLimits.clear();
    }

    /** The clock for JWT checks, installation token expiry and rate-limit resets (share the client's). */
    public void useClock(Clock clock) { this.clock = clock; }

    /** A GitHub App whose JWTs ({@code iss} = {@code appId}) verify with {@code publicKey}. */
    public void registerApp(String appId, PublicKey publicKey) {
        apps.put(appId, publicKey);
        lastAppId = appId;
    }

    /**
     * An installation on {@code accountLogin} ("User" when that login is among the users, else
     * "Organization") covering {@code repoFullNames}, visible in {@code GET /user/installations} to
     * the given GitHub logins.
     */
    public void addInstallation(long id, String accountLogin, List<String> repoFullNames, String... userLoginsWithAccess) {
        Set<String> users = Set.of(userLoginsWithAccess);
        installations.put(id, new Installation(id, accountLogin, 500_000 + Math.abs(accountLogin.hashCode() % 100_000),
                users.contains(accountLogin) ? "User" : "Organization", List.copyOf(repoFullNames), users));
    }

    /** A repository with one branch holding {@code files} (path → UTF-8 content); no files: an empty repository. */
    public void addRepo(String fullName, String defaultBranch, Map<String, String> files) {
        repos.put(fullName, new Repo(ids.incrementAndGet(), fullName, defaultBranch, new TreeMap<>(files)));
    }

    /** A user OAuth token for {@code login}, as if that user had signed in (for {@code GET /user/installations}). */
    public String userToken(String login) {
        String token = "gho_" + HexFormat.of().formatHex(bytes(18));
        tokens.put(token, new Account(ids.incrementAndGet(), login, login, List.of()));
        issuedTokens.add(token);
        return token;
    }

    /** The next request whose path starts with {@code pathPrefix} answers a rate limit lifting after {@code wait}. */
    public void rateLimitNext(String pathPrefix, RateLimit kind, Duration wait) {
        rateLimits.put(pathPrefix, new RateLimited(kind, wait));
    }

    public void rateLimitNext(String pathPrefix, RateLimit kind) { rateLimitNext(pathPrefix, kind, Duration.ofSeconds(60)); }

    /** Recursive trees list at most {@code entries} entries and say {@code truncated} (GitHub's cut is 100,000). */
    public void truncateTreesAt(int entries) { this.treeLimit = entries; }

    /** How many requests reached {@code method path} (e.g. to count installation tokens minted). */
    public long count(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            requests.add(new Recorded(ex.getRequestMethod(), path, query, headers, body));

            Long delay = delays.remove(path);
            if (delay != null) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            Integer failure = failures.remove(path);
            if (failure != null) {
                send(ex, failure, Map.of("message", failure >= 500 ? "Server Error" : "Failure",
                        "documentation_url", "https://docs.github.com/rest"));
                return;
            }
            RateLimited limited = takeRateLimit(path);
            if (limited != null) {
                rateLimited(ex, limited);
                return;
            }
            switch (ex.getRequestMethod() + " " + path) {
                case "GET /login/oauth/authorize" -> authorize(ex, form(query));
                case "POST /login/oauth/access_token" -> accessToken(ex, headers, merge(form(query), form(body)));
                case "GET /api/v3/user" -> user(ex, headers, false);
                case "GET /api/v3/user/emails" -> user(ex, headers, true);
                default -> app(ex, ex.getRequestMethod(), path, form(query), headers);
            }
        }
    }

    private void authorize(HttpExchange ex, Map<String, String> q) throws IOException {
        Account account = signedIn.get();
        if (account == null || !CLIENT_ID.equals(q.get("client_id")) || q.get("redirect_uri") == null || q.get("state") == null) {
            send(ex, 400, Map.of("message", "bad authorize request"));
            return;
        }
        String code = HexFormat.of().formatHex(bytes(10));
        codes.put(code, new Grant(account, q.get("redirect_uri")));
        String location = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?")
                + "code=" + enc(code) + "&state=" + enc(q.get("state"));
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
    }

    private void accessToken(HttpExchange ex, Map<String, String> headers, Map<String, String> p) throws IOException {
        if (!"application/json".equals(headers.get("accept"))) {
            // GitHub answers form-encoded without Accept: application/json; Gantry must always ask for JSON.
            byte[] b = "error=not_json".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/x-www-form-urlencoded");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            return;
        }
        if (!CLIENT_ID.equals(p.get("client_id")) || !clientSecret.equals(p.get("client_secret"))) {
            send(ex, 200, error("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect."));
            return;
        }
        Grant grant = p.get("code") == null ? null : codes.remove(p.get("code"));
        if (grant == null) {
            send(ex, 200, error("bad_verification_code", "The code passed is incorrect or expired."));
            return;
        }
        if (p.get("redirect_uri") != null && !p.get("redirect_uri").equals(grant.redirectUri())) {
            send(ex, 200, error("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application."));
            return;
        }
        String token = "gho_" + HexFormat.of().formatHex(bytes(18));
        tokens.put(token, grant.account());
        issuedTokens.add(token);
        send(ex, 200, Map.of("access_token", token, "token_type", "bearer", "scope", "read:user,user:email"));
    }

    private void user(HttpExchange ex, Map<String, String> headers, boolean emails) throws IOException {
        String auth = headers.getOrDefault("authorization", "");
        Account account = auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
        if (account == null) {
            send(ex, 401, Map.of("message", "Bad credentials", "documentation_url", "https://docs.github.com/rest", "status", "401"));
            return;
        }
        if (emails) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Email e : account.emails()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("email", e.email());
                m.put("primary", e.primary());
                m.put("verified", e.verified());
                m.put("visibility", e.primary() ? "public" : null);
                out.add(m);
            }
            send(ex, 200, out);
            return;
        }
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("login", account.login());
        u.put("id", account.id());
        u.put("node_id", "U_fake" + account.id());
        u.put("type", "User");
        u.put("site_admin", false);
        u.put("name", account.name());
        u.put("email", null);
        send(ex, 200, u);
    }

    // ---------------------------------------------------------------------------------------------
    // The GitHub App endpoints

    private static final String API = "/api/v3";
    private static final String DOCS = "https://docs.github.com/rest";

    private void app(HttpExchange ex, String method, String rawPath, Map<String, String> q, Map<String, String> headers) throws IOException {
        List<String> seg = segments(rawPath);
        if (seg.size() < 3 || !seg.get(0).equals("api") || !seg.get(1).equals("v3")) {
            notFound(ex);
            return;
        }
        List<String> p = seg.subList(2, seg.size());
        if (method.equals("POST") && p.size() == 4 && p.get(0).equals("app") && p.get(1).equals("installations")
                && p.get(3).equals("access_tokens")) {
            mintInstallationToken(ex, p.get(2), headers);
        } else if (method.equals("GET") && p.equals(List.of("user", "installations"))) {
            userInstallations(ex, rawPath, q, headers);
        } else if (method.equals("GET") && p.equals(List.of("installation", "repositories"))) {
            Installation inst = installationFor(ex, headers);
            if (inst == null) return;
            List<Object> items = new ArrayList<>();
            for (String name : inst.repos()) {
                Repo repo = repos.get(name);
                items.add(repoJson(repo != null ? repo : new Repo(0, name, "main", Map.of())));
            }
            page(ex, rawPath, q, items, "repositories", Map.of("repository_selection", "selected"));
        } else if (method.equals("GET") && p.size() >= 3 && p.get(0).equals("repos")) {
            Installation inst = installationFor(ex, headers);
            if (inst == null) return;
            String fullName = p.get(1) + "/" + p.get(2);
            Repo repo = repos.get(fullName);
            if (repo == null || !inst.repos().contains(fullName)) {
                notFound(ex);
            } else if (p.size() == 3) {
                send(ex, 200, repoJson(repo));
            } else if (p.size() == 6 && p.get(3).equals("git") && p.get(4).equals("trees")) {
                tree(ex, repo, p.get(5), q.get("recursive") != null);
            } else if (p.size() >= 4 && p.get(3).equals("contents")) {
                contents(ex, repo, String.join("/", p.subList(4, p.size())), q.get("ref"));
            } else {
                notFound(ex);
            }
        } else {
            notFound(ex);
        }
    }

    private void mintInstallationToken(HttpExchange ex, String id, Map<String, String> headers) throws IOException {
        String auth = headers.getOrDefault("authorization", "");
        String problem = auth.startsWith("Bearer ") ? jwtProblem(auth.substring(7)) : "A JSON web token could not be decoded";
        if (problem != null) {
            send(ex, 401, Map.of("message", problem, "documentation_url", DOCS));
            return;
        }
        Installation inst = parseLong(id) == null ? null : installations.get(parseLong(id));
        if (inst == null) {
            notFound(ex);
            return;
        }
        String token = "ghs_" + HexFormat.of().formatHex(bytes(18));
        Instant expiresAt = clock.instant().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        installationTokens.put(token, new InstallationToken(inst.id(), expiresAt));
        issuedTokens.add(token);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("expires_at", expiresAt.toString());
        out.put("permissions", Map.of("contents", "read", "metadata", "read"));
        out.put("repository_selection", "selected");
        send(ex, 201, out);
    }

    /** Why GitHub would refuse this App JWT, or null when it is good. */
    private String jwtProblem(String jwt) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) return "A JSON web token could not be decoded";
        try {
            Base64.Decoder b64 = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(b64.decode(parts[0]));
            JsonNode claims = JSON.readTree(b64.decode(parts[1]));
            if (!"RS256".equals(header.path("alg").asText())) return "A JSON web token could not be decoded";
            PublicKey key = apps.get(claims.path("iss").asText(""));
            if (key == null) return "Integration not found";
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(key);
            rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rs256.verify(b64.decode(parts[2]))) return "A JSON web token could not be decoded";
            long now = clock.instant().getEpochSecond();
            long iat = claims.path("iat").asLong(Long.MIN_VALUE), exp = claims.path("exp").asLong(Long.MIN_VALUE);
            if (!claims.path("iat").isNumber() || iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past.";
            if (!claims.path("exp").isNumber() || exp <= now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.";
            if (exp - iat > 600) return "'Expiration time' claim ('exp') is too far in the future.";
            return null;
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            return "A JSON web token could not be decoded";
        }
    }

    private void userInstallations(HttpExchange ex, String rawPath, Map<String, String> q, Map<String, String> headers) throws IOException {
        String auth = headers.getOrDefault("authorization", "");
        Account account = auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
        if (account == null) {
            send(ex, 401, Map.of("message", "Bad credentials", "documentation_url", DOCS, "status", "401"));
            return;
        }
        List<Object> items = new ArrayList<>();
        for (Installation inst : installations.values()) {
            if (!inst.userLogins().contains(account.login())) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", inst.id());
            m.put("account", Map.of("login", inst.accountLogin(), "id", inst.accountId(),
                    "node_id", "O_fake" + inst.accountId(), "type", inst.accountType()));
            m.put("repository_selection", "selected");
            m.put("app_id", lastAppId == null ? null : parseLong(lastAppId));
            m.put("target_id", inst.accountId());
            m.put("target_type", inst.accountType());
            m.put("permissions", Map.of("contents", "read", "metadata", "read"));
            m.put("events", List.of("push", "installation_repositories"));
            m.put("suspended_at", null);
            items.add(m);
        }
        page(ex, rawPath, q, items, "installations", Map.of());
    }

    /** The installation behind the request's installation token, or null after answering 401. */
    private Installation installationFor(HttpExchange ex, Map<String, String> headers) throws IOException {
        String auth = headers.getOrDefault("authorization", "");
        String token = auth.startsWith("Bearer ") ? auth.substring(7) : auth.startsWith("token ") ? auth.substring(6) : "";
        InstallationToken t = installationTokens.get(token);
        if (t == null || !clock.instant().isBefore(t.expiresAt()) || !installations.containsKey(t.installationId())) {
            send(ex, 401, Map.of("message", "Bad credentials", "documentation_url", DOCS, "status", "401"));
            return null;
        }
        return installations.get(t.installationId());
    }

    /** One page of a GitHub list ({@code {total_count, <field>: [...]}}) with its Link header. */
    private void page(HttpExchange ex, String rawPath, Map<String, String> q, List<Object> items, String field,
                      Map<String, Object> extra) throws IOException {
        Long perPageAsked = parseLong(q.get("per_page")), pageAsked = parseLong(q.get("page"));
        int perPage = Math.clamp(perPageAsked == null ? 30 : perPageAsked, 1, 100);
        int page = Math.clamp(pageAsked == null ? 1 : pageAsked, 1, 1_000_000);
        int last = Math.max(1, (items.size() + perPage - 1) / perPage);
        int from = Math.min(items.size(), (page - 1) * perPage), to = Math.min(items.size(), from + perPage);
        List<String> links = new ArrayList<>();
        String base = webUrl() + rawPath + "?per_page=" + perPage + "&page=";
        if (page < last) {
            links.add("<" + base + (page + 1) + ">; rel=\"next\"");
            links.add("<" + base + last + ">; rel=\"last\"");
        }
        if (page > 1) {
            links.add("<" + base + "1>; rel=\"first\"");
            links.add("<" + base + (page - 1) + ">; rel=\"prev\"");
        }
        if (!links.isEmpty()) ex.getResponseHeaders().add("Link", String.join(", ", links));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total_count", items.size());
        out.putAll(extra);
        out.put(field, items.subList(from, to));
        send(ex, 200, out);
    }

    private Map<String, Object> repoJson(Repo repo) {
        String owner = repo.fullName().substring(0, repo.fullName().indexOf('/'));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", repo.id());
        m.put("node_id", "R_fake" + repo.id());
        m.put("name", repo.fullName().substring(owner.length() + 1));
        m.put("full_name", repo.fullName());
        m.put("private", true);
        m.put("owner", Map.of("login", owner, "id", 500_000 + Math.abs(owner.hashCode() % 100_000), "type", "Organization"));
        m.put("html_url", "https://github.com/" + repo.fullName());
        m.put("default_branch", repo.defaultBranch());
        return m;
    }

    private void tree(HttpExchange ex, Repo repo, String ref, boolean recursive) throws IOException {
        String rootSha = sha(repo.fullName() + "@" + repo.defaultBranch());
        if (!ref.equals(repo.defaultBranch()) && !ref.equals(rootSha)) {
            notFound(ex);
            return;
        }
        if (repo.files().isEmpty()) {
            send(ex, 409, Map.of("message", "Git Repository is empty.", "documentation_url", DOCS));
            return;
        }
        Set<String> dirs = new TreeSet<>();
        for (String path : repo.files().keySet()) {
            for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) dirs.add(path.substring(0, i));
        }
        TreeMap<String, Map<String, Object>> entries = new TreeMap<>();
        for (String dir : dirs) {
            entries.put(dir, Map.of("path", dir, "mode", "040000", "type", "tree", "sha", sha(repo.fullName() + ":" + dir)));
        }
        repo.files().forEach((path, content) -> entries.put(path, Map.of("path", path, "mode", "100644", "type", "blob",
                "sha", sha(content), "size", content.getBytes(StandardCharsets.UTF_8).length)));
        List<Object> listed = new ArrayList<>();
        for (Map<String, Object> e : entries.values()) {
            if (recursive || !((String) e.get("path")).contains("/")) listed.add(e);
        }
        boolean truncated = recursive && listed.size() > treeLimit;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sha", rootSha);
        out.put("url", apiUrl() + "/repos/" + repo.fullName() + "/git/trees/" + rootSha);
        out.put("tree", truncated ? listed.subList(0, treeLimit) : listed);
        out.put("truncated", truncated);
        send(ex, 200, out);
    }

    private void contents(HttpExchange ex, Repo repo, String path, String ref) throws IOException {
        if (ref != null && !ref.equals(repo.defaultBranch())) {
            send(ex, 404, Map.of("message", "No commit found for the ref " + ref, "documentation_url", DOCS));
            return;
        }
        String content = repo.files().get(path);
        if (content == null) {
            List<Object> listing = new ArrayList<>();
            String prefix = path.isEmpty() ? "" : path + "/";
            Set<String> seen = new TreeSet<>();
            for (String file : repo.files().keySet()) {
                if (!file.startsWith(prefix)) continue;
                String rest = file.substring(prefix.length());
                String name = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
                if (seen.add(name)) {
                    listing.add(Map.of("type", rest.contains("/") ? "dir" : "file", "name", name, "path", prefix + name,
                            "sha", sha(repo.fullName() + ":" + prefix + name)));
                }
            }
            if (listing.isEmpty()) notFound(ex);
            else send(ex, 200, listing);
            return;
        }
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        boolean large = bytes.length > 1024 * 1024; // GitHub sends no content over 1 MB
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", "file");
        out.put("encoding", large ? "none" : "base64");
        out.put("size", bytes.length);
        out.put("name", path.substring(path.lastIndexOf('/') + 1));
        out.put("path", path);
        // GitHub wraps the base64 at 60 characters per line.
        out.put("content", large ? "" : Base64.getMimeEncoder(60, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(bytes) + "\n");
        out.put("sha", sha(content));
        out.put("url", apiUrl() + "/repos/" + repo.fullName() + "/contents/" + path + "?ref=" + repo.defaultBranch());
        send(ex, 200, out);
    }

    private RateLimited takeRateLimit(String path) {
        for (String prefix : rateLimits.keySet()) {
            if (path.startsWith(prefix)) {
                RateLimited limited = rateLimits.remove(prefix);
                if (limited != null) return limited;
            }
        }
        return null;
    }

    private void rateLimited(HttpExchange ex, RateLimited limited) throws IOException {
        if (limited.kind() == RateLimit.PRIMARY) {
            Instant reset = clock.instant().plus(limited.lifting());
            ex.getResponseHeaders().add("x-ratelimit-limit", "5000");
            ex.getResponseHeaders().add("x-ratelimit-remaining", "0");
            ex.getResponseHeaders().add("x-ratelimit-used", "5000");
            ex.getResponseHeaders().add("x-ratelimit-reset", Long.toString(reset.getEpochSecond()));
            ex.getResponseHeaders().add("x-ratelimit-resource", "core");
            send(ex, 403, Map.of("message", "API rate limit exceeded for installation.",
                    "documentation_url", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"));
        } else {
            ex.getResponseHeaders().add("retry-after", Long.toString(limited.lifting().toSeconds()));
            send(ex, 429, Map.of("message", "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    "documentation_url", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"));
        }
    }

    private static void notFound(HttpExchange ex) throws IOException {
        send(ex, 404, Map.of("message", "Not Found", "documentation_url", DOCS, "status", "404"));
    }

    /** The raw path's segments, percent-decoded ('+' stays '+', as in a URL path). */
    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Long parseLong(String s) {
        try {
            return s == null ? null : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> error(String code, String description) {
        return Map.of("error", code, "error_description", description,
                "error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors");
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().add("X-GitHub-Api-Version-Selected", "2022-11-28");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new LinkedHashMap<>(a);
        out.putAll(b);
        return out;
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}

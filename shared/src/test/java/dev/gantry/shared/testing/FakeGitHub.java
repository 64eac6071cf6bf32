package dev.gantry.shared.testing;

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
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
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
 * {@link #failNext} makes the next request to a path answer a given status; every request is recorded.
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

    private final HttpServer server;
    private final String clientSecret;
    private final AtomicReference<Account> signedIn = new AtomicReference<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, Account> tokens = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> issuedTokens = new CopyOnWriteArrayList<>();

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
            switch (ex.getRequestMethod() + " " + path) {
                case "GET /login/oauth/authorize" -> authorize(ex, form(query));
                case "POST /login/oauth/access_token" -> accessToken(ex, headers, merge(form(query), form(body)));
                case "GET /api/v3/user" -> user(ex, headers, false);
                case "GET /api/v3/user/emails" -> user(ex, headers, true);
                default -> send(ex, 404, Map.of("message", "Not Found", "documentation_url", "https://docs.github.com/rest"));
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

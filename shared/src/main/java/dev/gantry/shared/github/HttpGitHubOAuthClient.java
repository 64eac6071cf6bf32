package dev.gantry.shared.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.observability.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@link GitHubOAuthClient} over the JDK's HTTP client, against the configured base URLs exactly as
 * GitHub documents the endpoints:
 * <ul>
 * <li>{@code POST {web}/login/oauth/access_token} (form: client_id, client_secret, code,
 *     redirect_uri; {@code Accept: application/json}). GitHub answers errors with 200 and
 *     {@code {"error": "bad_verification_code", …}}.</li>
 * <li>{@code GET {api}/user} and {@code GET {api}/user/emails} with {@code Authorization: Bearer},
 *     {@code Accept: application/vnd.github+json} and {@code X-GitHub-Api-Version: 2022-11-28}.</li>
 * </ul>
 * Connect and request timeouts, redirects never followed, responses read up to 1 MiB. Logs name
 * the endpoint and status only: never the client secret, a code or a token.
 */
public final class HttpGitHubOAuthClient implements GitHubOAuthClient {
    public static final String API_VERSION = "2022-11-28";
    static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(HttpGitHubOAuthClient.class);
    private static final String USER_AGENT = "Gantry";

    private final String webUrl;
    private final String apiUrl;
    private final String clientId;
    private final Supplier<String> clientSecret;
    private final HttpClient http;
    private final Duration requestTimeout;

    /**
     * @param clientSecret read on each exchange (from the cached secret store), never kept here
     */
    public HttpGitHubOAuthClient(URI webUrl, URI apiUrl, String clientId, Supplier<String> clientSecret,
                                 Duration connectTimeout, Duration requestTimeout) {
        this.webUrl = trimSlash(webUrl.toString());
        this.apiUrl = trimSlash(apiUrl.toString());
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public HttpGitHubOAuthClient(URI webUrl, URI apiUrl, String clientId, Supplier<String> clientSecret) {
        this(webUrl, apiUrl, clientId, clientSecret, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    @Override
    public String exchangeCode(String code, String redirectUri) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret.get());
        form.put("code", code);
        if (redirectUri != null) form.put("redirect_uri", redirectUri);
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(webUrl + "/login/oauth/access_token"))
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        Reply reply = send(request, "token exchange");
        if (reply.status() != 200) throw unexpected("token exchange", reply.status());
        JsonNode json = parse(reply, "token exchange");
        String error = text(json, "error");
        if (error != null) {
            switch (error) {
                case "bad_verification_code" ->
                        throw ApiException.invalidToken("GitHub rejected the authorization code (it is wrong, expired or used); sign in again.");
                case "unverified_user_email" ->
                        throw ApiException.validation("email", "GitHub asks you to verify your primary email before signing in");
                default -> {
                    // incorrect_client_credentials, redirect_uri_mismatch, …: Gantry's GitHub configuration is wrong.
                    LOG.error("GitHub token exchange refused: {}", safeCode(error));
                    throw ApiException.unavailable("GitHub sign-in is misconfigured on our side; try again later.");
                }
            }
        }
        String token = text(json, "access_token");
        if (token == null || token.isBlank()) throw unexpected("token exchange", reply.status());
        return token;
    }

    @Override
    public GitHubUser user(String accessToken) {
        Reply reply = send(apiGet("/user", accessToken), "user");
        checkApiStatus(reply, "user");
        JsonNode json = parse(reply, "user");
        JsonNode id = json.get("id");
        String login = text(json, "login");
        if (id == null || !id.canConvertToLong() || id.longValue() <= 0 || login == null || login.isBlank()) {
            throw unexpected("user", reply.status());
        }
        return new GitHubUser(id.longValue(), login, text(json, "name"));
    }

    @Override
    public String primaryVerifiedEmail(String accessToken) {
        Reply reply = send(apiGet("/user/emails", accessToken), "user emails");
        // Without the user:email scope GitHub answers 404: no email Gantry may rely on.
        if (reply.status() == 404) return null;
        checkApiStatus(reply, "user emails");
        JsonNode json = parse(reply, "user emails");
        if (!json.isArray()) throw unexpected("user emails", reply.status());
        for (JsonNode e : json) {
            JsonNode primary = e.get("primary"), verified = e.get("verified");
            String email = text(e, "email");
            if (email != null && primary != null && primary.asBoolean(false) && verified != null && verified.asBoolean(false)) {
                return email;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------

    private HttpRequest apiGet(String path, String accessToken) {
        return HttpRequest.newBuilder(URI.create(apiUrl + path))
                .timeout(requestTimeout)
                .header("Accept", "application/vnd.github+json")
                .header("Authorization", "Bearer " + accessToken)
                .header("X-GitHub-Api-Version", API_VERSION)
                .header("User-Agent", USER_AGENT)
                .GET()
                .build();
    }

    private static void checkApiStatus(Reply reply, String what) {
        int status = reply.status();
        if (status == 200) return;
        if (status == 401) throw ApiException.invalidToken("GitHub rejected the access token; sign in again.");
        throw unexpected(what, status);
    }

    private record Reply(int status, byte[] body) {}

    private Reply send(HttpRequest request, String what) {
        return Tracing.remote("GitHub", () -> exchange(request, what));
    }

    private Reply exchange(HttpRequest request, String what) {
        try {
            HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
                if (body.length > MAX_RESPONSE_BYTES) {
                    LOG.warn("GitHub {} answered more than {} bytes", what, MAX_RESPONSE_BYTES);
                    throw ApiException.unavailable("GitHub answered unexpectedly; try again later.");
                }
                return new Reply(r.statusCode(), body);
            }
        } catch (IOException e) {
            // Timeouts, refused connections, TLS and protocol errors. The exception's message may hold
            // the URL (never a secret: those travel in bodies and headers), but only its type is logged.
            LOG.warn("GitHub {} failed: {}", what, e.getClass().getSimpleName());
            throw ApiException.unavailable("GitHub did not answer; try again later.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("GitHub did not answer; try again later.");
        }
    }

    private static JsonNode parse(Reply reply, String what) {
        try {
            JsonNode node = Json.mapper().readTree(reply.body());
            if (node == null || node.isMissingNode() || !(node.isObject() || node.isArray())) throw unexpected(what, reply.status());
            return node;
        } catch (IOException e) {
            throw unexpected(what, reply.status());
        }
    }

    private static ApiException unexpected(String what, int status) {
        LOG.warn("GitHub {} answered unexpectedly (status {})", what, status);
        return ApiException.unavailable(status >= 500
                ? "GitHub is having trouble (status " + status + "); try again later."
                : "GitHub answered unexpectedly; try again later.");
    }

    private static String text(JsonNode node, String field) {
        return dev.gantry.shared.http.Json.text(node, field);
    }

    /** GitHub's error codes are snake_case words; anything else is not echoed into a log. */
    private static String safeCode(String error) {
        return error.matches("[a-z_]{1,64}") ? error : "(unrecognised)";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

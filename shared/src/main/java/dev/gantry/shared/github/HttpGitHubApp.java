package dev.gantry.shared.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.github.GitHubApiException.Kind;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link GitHubApp} over the JDK's HTTP client and GitHub's REST API (version 2022-11-28), at a
 * configured API URL that may carry a path (GitHub Enterprise Server's {@code /api/v3}).
 * <p>
 * User calls carry the user's OAuth token. Installation calls carry an installation token, minted
 * with {@code POST /app/installations/{id}/access_tokens} under an App JWT ({@link GitHubAppJwt})
 * and cached per installation until 5 minutes before GitHub says it expires, so a scan never starts
 * with a token about to lapse; a 401 on a cached token drops it and the call is tried once more with
 * a fresh one (GitHub revokes tokens when an installation's permissions change).
 * <p>
 * Lists follow GitHub's {@code Link: <…>; rel="next"} header at 100 per page, only to URLs under
 * the configured API URL (a token is never sent elsewhere) and for at most {@value #MAX_PAGES} pages.
 * Connect timeout 5 s, request timeout 10 s, redirects never followed, bodies read up to a bound.
 * Logs name the endpoint and status only.
 */
public final class HttpGitHubApp implements GitHubApp {
    public static final String API_VERSION = "2022-11-28";
    /** Larger files are treated as absent: detection reads only small manifests. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;
    static final int MAX_PAGES = 50;
    static final Duration TOKEN_REFRESH_MARGIN = Duration.ofMinutes(5);
    /** GitHub's recursive tree listing stops at 100,000 entries / 7 MB, then says {@code truncated}. */
    private static final int MAX_TREE_RESPONSE_BYTES = 8 * 1024 * 1024;
    /** A 1 MiB file is ~1.37 MiB of base64 with line breaks, plus the JSON around it. */
    private static final int MAX_CONTENTS_RESPONSE_BYTES = 2 * 1024 * 1024;
    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(HttpGitHubApp.class);
    private static final String USER_AGENT = "Gantry";
    private static final Pattern FULL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private record CachedToken(String token, Instant expiresAt) {}

    private record Reply(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }
    }

    private final String apiUrl;
    private final String appId;
    private final Supplier<String> privateKeyPem;
    private final Clock clock;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<Long, CachedToken> tokens = new ConcurrentHashMap<>();

    /**
     * @param privateKeyPem read whenever a JWT is signed (from the cached secret store), never kept here
     */
    public HttpGitHubApp(URI apiUrl, String appId, Supplier<String> privateKeyPem, Clock clock) {
        this(apiUrl, appId, privateKeyPem, clock, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    HttpGitHubApp(URI apiUrl, String appId, Supplier<String> privateKeyPem, Clock clock,
                  Duration connectTimeout, Duration requestTimeout) {
        String url = apiUrl.toString();
        this.apiUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.appId = appId;
        this.privateKeyPem = privateKeyPem;
        this.clock = clock;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public List<Installation> userInstallations(String userAccessToken) {
        return paginate("/user/installations?per_page=100", "user installations", "installations", () -> userAccessToken,
                item -> {
                    JsonNode account = item.path("account");
                    return new Installation(item.path("id").asLong(), text(account, "login"),
                            account.path("id").asLong(), text(account, "type"));
                });
    }

    @Override
    public List<String> installationRepositories(long installationId) {
        return withInstallationToken(installationId, token ->
                paginate("/installation/repositories?per_page=100", "installation repositories", "repositories",
                        () -> token, item -> text(item, "full_name")));
    }

    @Override
    public RepoTree tree(long installationId, String fullName, String ref) {
        String repo = "/repos/" + checkFullName(fullName);
        return withInstallationToken(installationId, token -> {
            String resolved = ref;
            if (resolved == null) {
                Reply reply = send(get(apiUrl + repo, token), "repository", MAX_RESPONSE_BYTES);
                check(reply, "repository");
                resolved = text(parse(reply, "repository"), "default_branch");
                if (resolved == null) throw unexpected("repository", reply.status());
            }
            Reply reply = send(get(apiUrl + repo + "/git/trees/" + segment(resolved) + "?recursive=1", token),
                    "tree", MAX_TREE_RESPONSE_BYTES);
            // GitHub answers 409 "Git Repository is empty" for a repository without commits.
            if (reply.status() == 409) return new RepoTree(resolved, List.of(), false);
            check(reply, "tree");
            JsonNode json = parse(reply, "tree");
            List<String> paths = new ArrayList<>();
            for (JsonNode entry : json.path("tree")) {
                String path = text(entry, "path");
                if ("blob".equals(text(entry, "type")) && path != null) paths.add(path);
            }
            return new RepoTree(resolved, paths, json.path("truncated").asBoolean(false));
        });
    }

    @Override
    public Optional<String> fileContent(long installationId, String fullName, String path, String ref) {
        String url = apiUrl + "/repos/" + checkFullName(fullName) + "/contents/" + filePath(path)
                + (ref == null ? "" : "?ref=" + URLEncoder.encode(ref, StandardCharsets.UTF_8));
        return withInstallationToken(installationId, token -> {
            Reply reply = send(get(url, token), "contents", MAX_CONTENTS_RESPONSE_BYTES);
            if (reply.status() == 404) return Optional.<String>empty();
            check(reply, "contents");
            JsonNode json = parse(reply, "contents");
            // A directory answers an array; files over 1 MB answer encoding "none" with no content.
            if (!json.isObject() || !"file".equals(text(json, "type")) || !"base64".equals(text(json, "encoding"))
                    || json.path("size").asLong(0) > MAX_FILE_BYTES) {
                return Optional.<String>empty();
            }
            try {
                byte[] bytes = Base64.getMimeDecoder().decode(json.path("content").asText(""));
                if (bytes.length > MAX_FILE_BYTES) return Optional.<String>empty();
                return Optional.of(new String(bytes, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw unexpected("contents", reply.status());
            }
        });
    }

    @Override
    public String commitSha(long installationId, String fullName, String ref) {
        String url = apiUrl + "/repos/" + checkFullName(fullName) + "/commits/" + segment(ref);
        return withInstallationToken(installationId, token -> {
            Reply reply = send(get(url, token), "commit", MAX_RESPONSE_BYTES);
            check(reply, "commit");
            String sha = text(parse(reply, "commit"), "sha");
            if (sha == null) throw unexpected("commit", reply.status());
            return sha;
        });
    }

    @Override
    public void dispatchWorkflow(long installationId, String fullName, String workflowFile, String ref, Map<String, String> inputs) {
        String url = apiUrl + "/repos/" + checkFullName(fullName) + "/actions/workflows/" + segment(workflowFile) + "/dispatches";
        byte[] body = dev.gantry.shared.http.Json.write(Map.of("ref", ref, "inputs", inputs));
        withInstallationToken(installationId, token -> {
            Reply reply = send(request(url, token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), "workflow dispatch", MAX_RESPONSE_BYTES);
            if (reply.status() == 204) return null;
            check(reply, "workflow dispatch");
            return null;
        });
    }

    @Override
    public List<WorkflowRun> workflowRuns(long installationId, String fullName, String headSha) {
        String url = apiUrl + "/repos/" + checkFullName(fullName) + "/actions/runs?per_page=20&head_sha="
                + URLEncoder.encode(headSha, StandardCharsets.UTF_8);
        return withInstallationToken(installationId, token -> {
            Reply reply = send(get(url, token), "workflow runs", MAX_RESPONSE_BYTES);
            check(reply, "workflow runs");
            List<WorkflowRun> runs = new ArrayList<>();
            for (JsonNode run : parse(reply, "workflow runs").path("workflow_runs")) {
                runs.add(new WorkflowRun(run.path("id").asLong(), text(run, "head_sha"), text(run, "status"), text(run, "conclusion"),
                        text(run, "html_url")));
            }
            return runs;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Installation tokens

    /** Runs {@code call} with a cached or fresh installation token; a 401 on a cached one retries once with a fresh one. */
    private <T> T withInstallationToken(long installationId, Function<String, T> call) {
        CachedToken cached = tokens.get(installationId);
        boolean fresh = cached == null || !clock.instant().isBefore(cached.expiresAt().minus(TOKEN_REFRESH_MARGIN));
        String token = fresh ? mint(installationId) : cached.token();
        try {
            return call.apply(token);
        } catch (GitHubApiException e) {
            if (e.kind() != Kind.UNAUTHORIZED || fresh) throw e;
            tokens.remove(installationId);
            return call.apply(mint(installationId));
        }
    }

    private String mint(long installationId) {
        String jwt = GitHubAppJwt.sign(appId, GitHubAppJwt.parsePrivateKey(privateKeyPem.get()), clock.instant());
        HttpRequest request = request(apiUrl + "/app/installations/" + installationId + "/access_tokens", jwt)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        Reply reply = send(request, "installation token", MAX_RESPONSE_BYTES);
        if (reply.status() != 201 && reply.status() != 200) {
            if (reply.status() == 401) {
                // The JWT itself was refused: wrong App id, wrong key, or this machine's clock is off.
                LOG.error("GitHub refused the App JWT (status 401); check the App id, private key and clock");
                throw new GitHubApiException(Kind.UNAUTHORIZED, "GitHub did not accept Gantry's App credentials; try again later.");
            }
            if (reply.status() == 404) {
                throw new GitHubApiException(Kind.NOT_FOUND, "Gantry's GitHub App is no longer installed there (installation " + installationId + ").");
            }
            check(reply, "installation token");
        }
        JsonNode json = parse(reply, "installation token");
        String token = text(json, "token");
        String expiresAt = text(json, "expires_at");
        if (token == null || token.isBlank() || expiresAt == null) throw unexpected("installation token", reply.status());
        try {
            tokens.put(installationId, new CachedToken(token, Instant.parse(expiresAt)));
        } catch (DateTimeParseException e) {
            throw unexpected("installation token", reply.status());
        }
        return token;
    }

    // ---------------------------------------------------------------------------------------------
    // HTTP

    private <T> List<T> paginate(String first, String what, String field, Supplier<String> token, Function<JsonNode, T> map) {
        List<T> out = new ArrayList<>();
        String url = apiUrl + first;
        for (int page = 0; url != null; page++) {
            if (page == MAX_PAGES) {
                LOG.warn("GitHub {} has more than {} pages; the rest is ignored", what, MAX_PAGES);
                break;
            }
            Reply reply = send(get(url, token.get()), what, MAX_RESPONSE_BYTES);
            check(reply, what);
            JsonNode items = parse(reply, what).path(field);
            if (!items.isArray()) throw unexpected(what, reply.status());
            for (JsonNode item : items) {
                T value = map.apply(item);
                if (value != null) out.add(value);
            }
            url = nextLink(reply.header("link"));
        }
        return out;
    }

    /** The {@code rel="next"} URL, only when it stays under the API URL (the token goes with it). */
    private String nextLink(String link) {
        if (link == null) return null;
        for (String part : link.split(",")) {
            Matcher m = NEXT_LINK.matcher(part.strip());
            if (m.matches()) {
                String next = m.group(1);
                if (next.startsWith(apiUrl + "/")) return next;
                LOG.warn("GitHub's next page link points outside the API URL; not followed");
                return null;
            }
        }
        return null;
    }

    private HttpRequest get(String url, String token) {
        return request(url, token).GET().build();
    }

    private HttpRequest.Builder request(String url, String bearer) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(requestTimeout)
                .header("Accept", "application/vnd.github+json")
                .header("Authorization", "Bearer " + bearer)
                .header("X-GitHub-Api-Version", API_VERSION)
                .header("User-Agent", USER_AGENT);
    }

    private Reply send(HttpRequest request, String what, int maxBytes) {
        return Tracing.remote("GitHub", () -> exchange(request, what, maxBytes));
    }

    private Reply exchange(HttpRequest request, String what, int maxBytes) {
        try {
            HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(maxBytes + 1);
                if (body.length > maxBytes) {
                    LOG.warn("GitHub {} answered more than {} bytes", what, maxBytes);
                    throw GitHubApiException.unavailable("GitHub answered unexpectedly; try again later.");
                }
                return new Reply(r.statusCode(), r.headers().map(), body);
            }
        } catch (IOException e) {
            // Timeouts, refused connections, TLS and protocol errors; the message may hold the URL, so only the type is logged.
            LOG.warn("GitHub {} failed: {}", what, e.getClass().getSimpleName());
            throw GitHubApiException.unavailable("GitHub did not answer; try again later.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GitHubApiException.unavailable("GitHub did not answer; try again later.");
        }
    }

    /** Maps every status but 200 to the kind of failure, rate limits first (GitHub sends them as 403 or 429). */
    private void check(Reply reply, String what) {
        int status = reply.status();
        if (status == 200) return;
        if (status == 403 || status == 429) {
            Duration wait = rateLimitWait(reply);
            if (wait != null) {
                LOG.warn("GitHub {} is rate limited (status {}, retry after {} s)", what, status, wait.toSeconds());
                throw GitHubApiException.rateLimited(wait);
            }
        }
        switch (status) {
            case 401 -> throw new GitHubApiException(Kind.UNAUTHORIZED, "GitHub did not accept the token; sign in to GitHub again.");
            case 404 -> throw new GitHubApiException(Kind.NOT_FOUND, "GitHub has no such " + what + ", or Gantry's GitHub App cannot see it.");
            case 403 -> {
                LOG.warn("GitHub {} refused (status 403)", what);
                throw new GitHubApiException(Kind.FORBIDDEN, "GitHub refused access to the " + what + "; check the Gantry App's installation and permissions.");
            }
            default -> throw unexpected(what, status);
        }
    }

    /**
     * GitHub's documented rules: {@code retry-after} seconds when present (secondary limits);
     * else {@code x-ratelimit-remaining: 0} waits until {@code x-ratelimit-reset} (epoch seconds,
     * primary limit); else a 429, or a 403 whose message names a rate limit, waits at least a minute.
     * Null when the reply is not a rate limit.
     */
    private Duration rateLimitWait(Reply reply) {
        Long retryAfter = longHeader(reply, "retry-after");
        if (retryAfter != null) return Duration.ofSeconds(Math.max(0, retryAfter));
        if ("0".equals(strip(reply.header("x-ratelimit-remaining")))) {
            Long reset = longHeader(reply, "x-ratelimit-reset");
            if (reset != null) {
                Duration wait = Duration.between(clock.instant(), Instant.ofEpochSecond(reset));
                return wait.isNegative() ? Duration.ZERO : wait;
            }
            return Duration.ofMinutes(1);
        }
        if (reply.status() == 429) return Duration.ofMinutes(1);
        String message = text(parseQuietly(reply), "message");
        return message != null && message.toLowerCase().contains("rate limit") ? Duration.ofMinutes(1) : null;
    }

    private static Long longHeader(Reply reply, String name) {
        String v = strip(reply.header(name));
        if (v == null) return null;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String strip(String s) { return s == null ? null : s.strip(); }

    private static JsonNode parse(Reply reply, String what) {
        JsonNode node = parseQuietly(reply);
        if (node == null || !(node.isObject() || node.isArray())) throw unexpected(what, reply.status());
        return node;
    }

    private static JsonNode parseQuietly(Reply reply) {
        try {
            return reply.body().length == 0 ? null : Json.mapper().readTree(reply.body());
        } catch (IOException e) {
            return null;
        }
    }

    private static GitHubApiException unexpected(String what, int status) {
        LOG.warn("GitHub {} answered unexpectedly (status {})", what, status);
        return GitHubApiException.unavailable(status >= 500
                ? "GitHub is having trouble (status " + status + "); try again later."
                : "GitHub answered unexpectedly; try again later.");
    }

    private static String text(JsonNode node, String field) {
        return dev.gantry.shared.http.Json.text(node, field);
    }

    /** {@code owner/name} as GitHub allows them, so a name can never reach another endpoint. */
    private static String checkFullName(String fullName) {
        if (fullName == null || !FULL_NAME.matcher(fullName).matches() || fullName.endsWith("/.") || fullName.endsWith("/..")) {
            throw new IllegalArgumentException("not a repository full name (owner/name)");
        }
        return fullName;
    }

    /** A repository path, each segment percent-encoded; empty, "." and ".." segments are refused. */
    private static String filePath(String path) {
        if (path == null || path.isEmpty()) throw new IllegalArgumentException("empty file path");
        List<String> out = new ArrayList<>();
        for (String s : path.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) throw new IllegalArgumentException("not a repository file path");
            out.add(segment(s));
        }
        return String.join("/", out);
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

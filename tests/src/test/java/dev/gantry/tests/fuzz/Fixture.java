package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.tests.LocalGantry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real workspace to fuzz in, made over HTTP on the local server: its owner (an owner API key and a
 * login), a developer member, and one of each resource (repo, compute target, environment with its
 * VM, env var, shared secret and binding, deploy, webhook endpoint with a delivery, a second API
 * key), on the team plan. Path parameters resolve against it: "existing" is this workspace's
 * resource of the parameter's kind, "missing" a well-formed id of that kind that exists nowhere.
 * A DELETE's own target is a fresh resource made for that one request, so deletes do not take the
 * shared ones away from the requests after them.
 */
public final class Fixture {
    static final String MISSING_ULID = "01j9zzzzzzzzzzzzzzzzzzzzzz";
    static final String PASSWORD = "fuzz-password-0123456789";
    static final String HOOK_URL = "http://127.0.0.1:9/fuzz-hook";
    static final String SECRET_KEY = "DATABASE_URL";
    static final String ENV_VAR = "PORT";
    /** The fixture repos of the simulated GitHub; the shared repo is the first. */
    private static final List<String> REPOS = List.of("gantry-demo/flask-app", "gantry-demo/express-api", "gantry-demo/go-service",
            "gantry-demo/rails-shop", "gantry-demo/spring-petclinic", "gantry-demo/static-site");

    /** Kind of resource a path parameter names, by the literal segment before it; and the id prefix of that kind. */
    static final Map<String, String> KIND_BY_SEGMENT = Map.ofEntries(
            Map.entry("members", "usr"), Map.entry("api-keys", "ak"), Map.entry("repos", "repo"), Map.entry("environments", "env"),
            Map.entry("env-vars", "envvar"), Map.entry("secret-bindings", "sb"), Map.entry("secrets", "sec"),
            Map.entry("compute-targets", "ct"), Map.entry("instances", "inst"), Map.entry("deploys", "dep"),
            Map.entry("webhook-endpoints", "whe"), Map.entry("deliveries", "msg"), Map.entry("plans", "plan"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SERIAL = new AtomicInteger();

    final Wire wire;
    private final String tag;
    private final Map<String, String> ids = new LinkedHashMap<>();
    String ownerEmail;
    String ownerKey;
    String ownerKeyId;
    volatile String ownerJwt;
    String developerJwt;
    String revokedKey;
    String workspaceId;
    /** Requests this fixture sent itself (setup, disposables, repairs): not fuzz cases. */
    final AtomicInteger housekeeping = new AtomicInteger();

    private Fixture(Wire wire, String tag) {
        this.wire = wire;
        this.tag = tag;
    }

    /** A new workspace with its resources; {@code sourceBlock} keeps this fixture's client addresses apart from other suites'. */
    public static Fixture create(int sourceBlock) {
        Fixture f = new Fixture(new Wire(LocalGantry.server().baseUrl(), sourceBlock), UUID.randomUUID().toString().substring(0, 8));
        f.build();
        return f;
    }

    private void build() {
        ownerEmail = "fuzz-owner-" + tag + "@example.com";
        JsonNode owner = call("POST", "/v1/auth/signup", "{\"email\":\"" + ownerEmail + "\",\"password\":\"" + PASSWORD
                + "\",\"name\":\"Fuzz Owner\",\"workspace_name\":\"Fuzz " + tag + "\"}", null);
        ownerJwt = owner.at("/token").asText();
        workspaceId = owner.at("/workspace/id").asText();
        // team: room for every resource and the largest bucket; fuzzing sends thousands of requests
        call("POST", "/v1/subscription/change", "{\"plan\":\"team\"}", ownerJwt);
        JsonNode key = call("POST", "/v1/api-keys", "{\"name\":\"fuzz-owner\"}", ownerJwt);
        ownerKey = key.at("/token").asText();
        ownerKeyId = key.at("/id").asText();
        ids.put("ak", call("POST", "/v1/api-keys", "{\"name\":\"fuzz-target\",\"role\":\"viewer\"}", ownerKey).at("/id").asText());
        JsonNode revoked = call("POST", "/v1/api-keys", "{\"name\":\"fuzz-revoked\"}", ownerKey);
        call("DELETE", "/v1/api-keys/" + revoked.at("/id").asText(), null, ownerKey);
        revokedKey = revoked.at("/token").asText();

        String memberEmail = "fuzz-member-" + tag + "@example.com";
        JsonNode member = call("POST", "/v1/auth/signup", "{\"email\":\"" + memberEmail + "\",\"password\":\"" + PASSWORD
                + "\",\"name\":\"Fuzz Member\"}", null);
        ids.put("usr", member.at("/user/id").asText());
        call("POST", "/v1/members", "{\"email\":\"" + memberEmail + "\",\"role\":\"developer\"}", ownerKey);
        developerJwt = call("POST", "/v1/auth/switch", "{\"workspace_id\":\"" + workspaceId + "\"}", member.at("/token").asText())
                .at("/token").asText();

        ids.put("repo", call("POST", "/v1/repos", "{\"full_name\":\"" + REPOS.get(0) + "\"}", ownerKey).at("/id").asText());
        ids.put("ct", call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"Fuzz cloud\","
                + "\"api_token\":\"fuzz-hetzner-token-0123456789abcdef\"}", ownerKey).at("/id").asText());
        ids.put("env", call("POST", "/v1/repos/" + ids.get("repo") + "/environments", "{\"name\":\"production\",\"compute_target_id\":\""
                + ids.get("ct") + "\"}", ownerKey).at("/id").asText());
        call("PUT", "/v1/environments/" + ids.get("env") + "/env-vars", "[{\"key\":\"" + ENV_VAR + "\",\"value\":\"8080\"}]", ownerKey);
        ids.put("sec", call("POST", "/v1/secrets", "{\"key\":\"" + SECRET_KEY + "\",\"value\":\"postgres://fuzz\",\"scope\":\"all\"}", ownerKey)
                .at("/id").asText());
        ids.put("sb", call("POST", "/v1/environments/" + ids.get("env") + "/secret-bindings", "{\"secret_key\":\"" + SECRET_KEY + "\"}", ownerKey)
                .at("/id").asText());
        ids.put("dep", call("POST", "/v1/environments/" + ids.get("env") + "/deploys", "{\"sha\":\"" + "f0".repeat(20) + "\"}", ownerKey)
                .at("/id").asText());
        ids.put("whe", call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + HOOK_URL + "\",\"events\":[\"*\"]}", ownerKey).at("/id").asText());
        ids.put("msg", call("POST", "/v1/webhook-endpoints/" + ids.get("whe") + "/test", "{}", ownerKey).at("/id").asText());
        ids.put("envvar", ENV_VAR);
        ids.put("plan", "pro");
        // the environment's VM, made by the local server's provisioning job
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            String instance = call("GET", "/v1/environments/" + ids.get("env"), null, ownerKey).path("instance_id").asText("");
            if (instance.startsWith("inst_")) {
                ids.put("inst", instance);
                break;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("the fixture environment got no instance");
            sleep(200);
        }
    }

    /** The kind of resource the parameter {@code name} of this template names, or null when the fixture does not know it. */
    static String kindOf(String template, String name) {
        List<String> segments = OpenApi.split(template);
        int i = segments.indexOf("{" + name + "}");
        return i <= 0 ? null : KIND_BY_SEGMENT.get(segments.get(i - 1));
    }

    /** This workspace's resource of that kind. */
    public String existing(String kind) {
        String id = ids.get(kind);
        if (id == null) throw new IllegalArgumentException("the fixture has no " + kind);
        return id;
    }

    public boolean knows(String kind) { return kind != null && ids.containsKey(kind); }

    /** A well-formed name or id of that kind that exists nowhere. */
    public static String missing(String kind) {
        return switch (kind) {
            case "plan" -> "enterprise";
            case "envvar" -> "NO_SUCH_VAR";
            default -> kind + "_" + MISSING_ULID;
        };
    }

    /** Where each kind of disposable resource is read, to see whether the last one is still there. */
    private static final Map<String, String> READ_PATH = Map.of("ak", "/v1/api-keys/", "sec", "/v1/secrets/", "whe", "/v1/webhook-endpoints/",
            "ct", "/v1/compute-targets/", "env", "/v1/environments/", "repo", "/v1/repos/", "usr", "/v1/members/");
    private final Map<String, String> spare = new java.util.HashMap<>();

    /**
     * A resource of that kind for one request that may delete it; the shared one where none can
     * be made. The last one made is used again while that request did not delete it (most bad
     * requests do not), so failed deletes do not pile resources up to the plan's quotas.
     */
    public synchronized String disposable(String kind) {
        String last = spare.get(kind);
        if (last != null && alive(kind, last)) return last;
        String id = create(kind);
        spare.put(kind, id);
        return id;
    }

    private boolean alive(String kind, String id) {
        if (kind.equals("sb")) {
            for (JsonNode b : call("GET", "/v1/environments/" + existing("env") + "/secret-bindings", null, ownerKey).path("data")) {
                if (b.path("id").asText().equals(id)) return true;
            }
            return false;
        }
        String path = READ_PATH.get(kind);
        if (path == null) return false;
        Wire.Response r = wire.send(new Wire.Request("GET", (path + id).getBytes(StandardCharsets.UTF_8),
                Wire.headers(Wire.Header.secret("Authorization", "Bearer " + ownerKey, "Bearer <owner-key>")), null, "fixture"));
        housekeeping.incrementAndGet();
        if (r.status() != 200) return false;
        String text = r.text();
        return !text.contains("\"revoked_at\":\"") && !text.contains("\"status\":\"deleting\"");
    }

    private String create(String kind) {
        int n = SERIAL.incrementAndGet();
        return switch (kind) {
            case "ak" -> call("POST", "/v1/api-keys", "{\"name\":\"fuzz-disposable-" + n + "\"}", ownerKey).at("/id").asText();
            case "sec" -> call("POST", "/v1/secrets", "{\"key\":\"FUZZ_" + n + "\",\"value\":\"v\",\"scope\":\"all\"}", ownerKey).at("/id").asText();
            case "sb" -> call("POST", "/v1/environments/" + existing("env") + "/secret-bindings",
                    "{\"secret_key\":\"" + SECRET_KEY + "\",\"alias\":\"FUZZ_ALIAS_" + n + "\"}", ownerKey).at("/id").asText();
            case "whe" -> call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + HOOK_URL + "\",\"events\":[\"ping\"]}", ownerKey).at("/id").asText();
            case "ct" -> call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"Disposable " + n + "\","
                    + "\"api_token\":\"fuzz-hetzner-token-0123456789abcdef\"}", ownerKey).at("/id").asText();
            case "env" -> call("POST", "/v1/repos/" + existing("repo") + "/environments", "{\"name\":\"disposable-" + n
                    + "\",\"compute_target_id\":\"" + existing("ct") + "\"}", ownerKey).at("/id").asText();
            case "repo" -> disposableRepo();
            case "usr" -> {
                String email = "fuzz-disposable-" + tag + "-" + n + "@example.com";
                String id = call("POST", "/v1/auth/signup", "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD
                        + "\",\"name\":\"Disposable\"}", null).at("/user/id").asText();
                call("POST", "/v1/members", "{\"email\":\"" + email + "\",\"role\":\"viewer\"}", ownerKey);
                yield id;
            }
            default -> existing(kind);
        };
    }

    /** A fixture repo not yet connected here; with all connected, another than the shared one (it then comes back 404 once deleted). */
    private String disposableRepo() {
        JsonNode list = call("GET", "/v1/repos?limit=100", null, ownerKey).path("data");
        for (String name : REPOS.subList(1, REPOS.size())) {
            boolean taken = false;
            for (JsonNode r : list) if (r.path("full_name").asText().equals(name)) taken = true;
            if (!taken) return call("POST", "/v1/repos", "{\"full_name\":\"" + name + "\"}", ownerKey).at("/id").asText();
        }
        for (JsonNode r : list) if (!r.path("id").asText().equals(existing("repo"))) return r.path("id").asText();
        return missing("repo");
    }

    /** A refresh token good for one use: a fresh login. */
    public String freshRefreshToken() {
        return call("POST", "/v1/auth/login", "{\"email\":\"" + ownerEmail + "\",\"password\":\"" + PASSWORD + "\"}", null)
                .at("/refresh_token").asText();
    }

    /** The ETag the resource at {@code path} has now (null when it answers no 200 to the owner). */
    public String etag(String path) {
        Wire.Response r = wire.send(new Wire.Request("GET", path.getBytes(StandardCharsets.ISO_8859_1),
                Wire.headers(Wire.Header.secret("Authorization", "Bearer " + ownerKey, "Bearer <owner-key>")), null, "fixture"));
        housekeeping.incrementAndGet();
        return r.status() == 200 ? r.header("etag") : null;
    }

    /**
     * Undoes what a fuzz request did to the fixture's own footing: a log-out of the owner's login
     * (log in again), a plan change (back to team: the fuzz would otherwise run into a small plan's
     * rate limit and quotas).
     */
    public void repair(Wire.Request request, Wire.Response response) {
        String path = request.rawPath();
        if (response.status() < 200 || response.status() >= 300 || path == null) return;
        if (path.equals("/v1/auth/logout") && request.header("authorization") != null && request.header("authorization").contains(ownerJwt)) {
            ownerJwt = call("POST", "/v1/auth/login", "{\"email\":\"" + ownerEmail + "\",\"password\":\"" + PASSWORD + "\"}", null)
                    .at("/token").asText();
        } else if (path.startsWith("/v1/subscription/")) {
            if (!"team".equals(call("GET", "/v1/subscription", null, ownerKey).path("plan").asText())) {
                call("POST", "/v1/subscription/change", "{\"plan\":\"team\"}", ownerKey);
            }
        }
    }

    /** A setup call that must succeed; its JSON answer. */
    JsonNode call(String method, String path, String body, String token) {
        List<Wire.Header> headers = Wire.headers();
        if (token != null) headers.add(Wire.Header.secret("Authorization", "Bearer " + token, "Bearer <fixture credential>"));
        if (body != null) headers.add(Wire.Header.of("Content-Type", "application/json"));
        Wire.Request request = new Wire.Request(method, path.getBytes(StandardCharsets.UTF_8), headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), "fixture");
        Wire.Response response = wire.send(request);
        housekeeping.incrementAndGet();
        // the full sweep can empty the workspace's bucket: housekeeping waits as a client should
        for (int attempt = 0; response.status() == 429 && attempt < 60; attempt++) {
            sleep(1_000L * Math.max(1, Integer.parseInt(response.headers().getOrDefault("retry-after", "1").trim())));
            response = wire.send(request);
            housekeeping.incrementAndGet();
        }
        if (response.status() >= 300) throw new AssertionError("fixture setup failed:\n" + request.describe() + response.describe());
        try {
            return response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("fixture setup got no JSON:\n" + request.describe() + response.describe(), e);
        }
    }

    /** Field values that make a document example a request that can succeed in this workspace. */
    public void adapt(String template, ObjectNode body) {
        if (body.has("compute_target_id")) body.put("compute_target_id", existing("ct"));
        if (body.has("workspace_id")) body.put("workspace_id", workspaceId);
        if (body.has("secret_key")) body.put("secret_key", SECRET_KEY);
        if (body.has("url")) body.put("url", HOOK_URL);
        if (body.has("refresh_token")) body.put("refresh_token", freshRefreshToken());
        if (template.equals("/v1/auth/login")) {
            body.put("email", ownerEmail);
            body.put("password", PASSWORD);
        }
        if (template.equals("/v1/auth/signup")) body.put("email", "fuzz-signup-" + tag + "-" + SERIAL.incrementAndGet() + "@example.com");
        if (template.equals("/v1/repos")) body.put("full_name", REPOS.get(REPOS.size() - 1));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.gantry.functions.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.secrets.MasterKeys;
import dev.gantry.shared.testing.FakeHetzner;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input on every route of the platform table (API.md §1, §6–§9): malformed JSON, wrong types,
 * missing and unknown fields, oversize bodies, wrong media types, missing or garbled credentials,
 * ids of the wrong shape, bad limits and cursors, the env var rules (key pattern, 500 vars,
 * 32 KiB values, unique keys, set-or-unset) and the deploy rules (commit shas, status filters,
 * foreign deploys and filters, bodiless cancel and rollback). Each is answered with its documented status and code,
 * never a 500. A route added to the table without a sample here fails {@link #everyRouteHasASample()}.
 */
class PlatformBadInputIT {
    static final String HETZNER_TOKEN = "hz-valid-token-0123456789abcdefghijklmnopqrstuvwxyz";
    /** Well-formed ids that exist nowhere. */
    static final String MISSING = "01j9zzzzzzzzzzzzzzzzzzzzzz";
    /** A well-formed commit sha. */
    static final String SHA = "0123456789abcdef0123456789abcdef01234567";

    private static FakeHetzner hetzner;
    private static PlatformClient api;
    private static String token;
    private static String expiredToken;
    private static String repoId;
    private static String ctId;
    private static String envId;
    private static String secretId;
    private static String bindingId;
    private static String deployId;

    /** A valid request for each route: the path to call and a body (null: the route takes none). */
    record Sample(String path, String body) {}

    private static Map<String, Sample> samples;

    /** What a missing resource named by each path parameter is answered with, per route prefix. */
    private static final Map<String, String> NOT_FOUND = Map.of(
            "/v1/repos/", "repo_not_found",
            "/v1/environments/", "environment_not_found",
            "/v1/secrets/", "secret_not_found",
            "/v1/compute-targets/", "compute_target_not_found",
            "/v1/instances/", "instance_not_found",
            "/v1/deploys/", "deploy_not_found");

    /** Writes whose every field is optional: {@code {}} is a valid body for them. */
    private static final Set<String> NO_REQUIRED_FIELDS = Set.of(
            "POST /v1/repos/{id}/scan", "PATCH /v1/environments/{id}", "PATCH /v1/environments/{id}/env-vars",
            "POST /v1/environments/{id}/deploys", "POST /v1/deploys/{id}/cancel", "POST /v1/deploys/{id}/rollback");

    /** The paginated lists (limit 1–100, tamper-evident cursors). */
    private static final Set<String> PAGINATED = Set.of(
            "GET /v1/repos", "GET /v1/repos/{id}/environments", "GET /v1/secrets", "GET /v1/compute-targets", "GET /v1/instances",
            "GET /v1/deploys", "GET /v1/deploys/{id}/logs", "GET /v1/jobs");

    @BeforeAll
    static void start() {
        hetzner = FakeHetzner.start().validToken(HETZNER_TOKEN);
        var wiring = TestStack.newWiring(Clock.systemUTC(), null, Map.of(
                "GANTRY_HETZNER_API_URL", hetzner.baseUrl().toString(),
                "GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true"));
        wiring.gitHubApp(new InMemoryGitHubApp());
        // Hundreds of requests from one free workspace in a few seconds: rate limits are not this
        // class's subject, so they are off here.
        wiring.rateLimiter(dev.gantry.shared.limits.RateLimiter.NONE);
        api = new PlatformClient(wiring);
        var account = api.signupAccount("platform-bad-input");
        token = account.token();
        var keys = new MasterKeys(TestStack.secrets(), wiring.config());
        expiredToken = new AccessTokens(keys::accessTokenKeys, Duration.ofMinutes(15))
                .issue(account.user().id(), account.workspace().id(), "ses_01j9zzzzzzzzzzzzzzzzzzzzzz", Instant.now().minus(Duration.ofHours(1)))
                .token();

        // Real resources, so that a sample is a request that would succeed and a rejection is the rule's.
        repoId = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", token).expect(201).text("/id");
        ctId = api.call("POST", "/v1/compute-targets",
                "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", token).expect(201).text("/id");
        envId = api.call("POST", "/v1/repos/" + repoId + "/environments",
                "{\"name\":\"production\",\"compute_target_id\":\"" + ctId + "\"}", token).expect(201).text("/id");
        secretId = api.call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://x\",\"scope\":\"all\"}", token)
                .expect(201).text("/id");
        api.call("POST", "/v1/secrets", "{\"key\":\"REDIS_URL\",\"value\":\"redis://x\",\"scope\":\"all\"}", token).expect(201);
        bindingId = api.call("POST", "/v1/environments/" + envId + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\"}", token)
                .expect(201).text("/id");
        api.call("PUT", "/v1/environments/" + envId + "/env-vars", "[{\"key\":\"PORT\",\"value\":\"8080\"}]", token).expect(200);
        // a queued deploy (no worker runs here, so it stays queued until a newer one supersedes it)
        deployId = api.call("POST", "/v1/environments/" + envId + "/deploys", "{\"sha\":\"" + SHA + "\"}", token).expect(202).text("/id");

        String env = "/v1/environments/" + envId;
        samples = Map.ofEntries(
                Map.entry("GET /v1/github/install", new Sample("/v1/github/install", null)),
                Map.entry("GET /v1/github/setup", new Sample("/v1/github/setup?installation_id=1234&setup_action=install&state=s", null)),
                Map.entry("GET /v1/github/installations", new Sample("/v1/github/installations", null)),
                Map.entry("POST /v1/repos", new Sample("/v1/repos", "{\"full_name\":\"gantry-demo/go-service\"}")),
                Map.entry("GET /v1/repos", new Sample("/v1/repos", null)),
                Map.entry("GET /v1/repos/{id}", new Sample("/v1/repos/" + repoId, null)),
                Map.entry("DELETE /v1/repos/{id}", new Sample("/v1/repos/repo_" + MISSING, null)),
                Map.entry("POST /v1/repos/{id}/scan", new Sample("/v1/repos/" + repoId + "/scan", "{}")),
                Map.entry("POST /v1/repos/{id}/environments", new Sample("/v1/repos/" + repoId + "/environments",
                        "{\"name\":\"staging\",\"compute_target_id\":\"" + ctId + "\",\"region\":\"fsn1\",\"instance_type\":\"cx22\","
                                + "\"branch\":\"main\",\"auto_deploy\":true,\"secret_scope\":\"staging\"}")),
                Map.entry("GET /v1/repos/{id}/environments", new Sample("/v1/repos/" + repoId + "/environments", null)),
                Map.entry("GET /v1/environments/{id}", new Sample(env, null)),
                Map.entry("PATCH /v1/environments/{id}", new Sample(env,
                        "{\"name\":\"production\",\"instance_type\":\"cx22\",\"branch\":\"main\",\"auto_deploy\":true,\"secret_scope\":\"production\"}")),
                Map.entry("DELETE /v1/environments/{id}", new Sample("/v1/environments/env_" + MISSING, null)),
                Map.entry("GET /v1/environments/{id}/env-vars", new Sample(env + "/env-vars", null)),
                Map.entry("PUT /v1/environments/{id}/env-vars", new Sample(env + "/env-vars",
                        "[{\"key\":\"PORT\",\"value\":\"8080\",\"secret\":false}]")),
                Map.entry("PATCH /v1/environments/{id}/env-vars", new Sample(env + "/env-vars",
                        "{\"set\":[{\"key\":\"PORT\",\"value\":\"8080\",\"secret\":false}],\"unset\":[\"OLD_KEY\"]}")),
                Map.entry("GET /v1/environments/{id}/env-vars/{key}/reveal", new Sample(env + "/env-vars/PORT/reveal", null)),
                Map.entry("GET /v1/environments/{id}/secret-bindings", new Sample(env + "/secret-bindings", null)),
                Map.entry("POST /v1/environments/{id}/secret-bindings", new Sample(env + "/secret-bindings",
                        "{\"secret_key\":\"REDIS_URL\",\"alias\":\"CACHE_URL\"}")),
                Map.entry("DELETE /v1/environments/{id}/secret-bindings/{binding_id}", new Sample(env + "/secret-bindings/sb_" + MISSING, null)),
                Map.entry("GET /v1/environments/{id}/resolved-env", new Sample(env + "/resolved-env", null)),
                Map.entry("POST /v1/secrets", new Sample("/v1/secrets", "{\"key\":\"API_TOKEN\",\"value\":\"v\",\"scope\":\"staging\"}")),
                Map.entry("GET /v1/secrets", new Sample("/v1/secrets", null)),
                Map.entry("GET /v1/secrets/{id}", new Sample("/v1/secrets/" + secretId, null)),
                Map.entry("PATCH /v1/secrets/{id}", new Sample("/v1/secrets/" + secretId, "{\"value\":\"postgres://x\"}")),
                Map.entry("DELETE /v1/secrets/{id}", new Sample("/v1/secrets/sec_" + MISSING, null)),
                Map.entry("GET /v1/secrets/{id}/reveal", new Sample("/v1/secrets/" + secretId + "/reveal", null)),
                Map.entry("POST /v1/compute-targets", new Sample("/v1/compute-targets",
                        "{\"provider\":\"hetzner\",\"name\":\"Two\",\"api_token\":\"" + HETZNER_TOKEN + "\"}")),
                Map.entry("GET /v1/compute-targets", new Sample("/v1/compute-targets", null)),
                Map.entry("GET /v1/compute-targets/{id}", new Sample("/v1/compute-targets/" + ctId, null)),
                Map.entry("DELETE /v1/compute-targets/{id}", new Sample("/v1/compute-targets/ct_" + MISSING, null)),
                Map.entry("GET /v1/instances", new Sample("/v1/instances", null)),
                Map.entry("GET /v1/instances/{id}", new Sample("/v1/instances/inst_" + MISSING, null)),
                Map.entry("DELETE /v1/instances/{id}", new Sample("/v1/instances/inst_" + MISSING, null)),
                Map.entry("POST /v1/environments/{id}/deploys", new Sample(env + "/deploys", "{\"sha\":\"" + SHA + "\"}")),
                Map.entry("GET /v1/deploys", new Sample("/v1/deploys", null)),
                Map.entry("GET /v1/deploys/{id}", new Sample("/v1/deploys/" + deployId, null)),
                Map.entry("POST /v1/deploys/{id}/cancel", new Sample("/v1/deploys/" + deployId + "/cancel", "{}")),
                Map.entry("POST /v1/deploys/{id}/rollback", new Sample("/v1/deploys/" + deployId + "/rollback", "{}")),
                Map.entry("GET /v1/deploys/{id}/logs", new Sample("/v1/deploys/" + deployId + "/logs", null)),
                Map.entry("GET /v1/jobs", new Sample("/v1/jobs", null)));
    }

    @AfterAll
    static void stop() {
        hetzner.close();
    }

    @Test
    void everyRouteHasASample() {
        assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(PlatformRoutes.TABLE.routeKeys());
        assertThat(PAGINATED).allMatch(samples::containsKey);
        assertThat(NO_REQUIRED_FIELDS).allMatch(samples::containsKey);
    }

    // --- generated from the route table ---------------------------------------------------------------

    @TestFactory
    List<DynamicTest> malformedJsonIs400() {
        return forEach(PlatformBadInputIT::writes, r -> {
            api.call(r.method(), path(r), "{\"broken\": ", token).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "[{\"key\":", token).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "{\"a\":1} trailing", token).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "\u00ff\u00fe", token).expectError(400, "malformed_json");
        });
    }

    @TestFactory
    List<DynamicTest> deepAndDuplicateJsonIs400() {
        return forEach(PlatformBadInputIT::writes, r -> {
            api.call(r.method(), path(r), "[".repeat(5000) + "]".repeat(5000), token).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "{\"a\":1,\"a\":2}", token).expectError(400, "malformed_json");
            // the wrong kind of JSON value for the whole body
            String wrongShape = arrayBody(r) ? "{}" : "[]";
            api.call(r.method(), path(r), wrongShape, token).expectError(400, "validation_error");
            api.call(r.method(), path(r), "\"text\"", token).expectError(400, "validation_error");
            api.call(r.method(), path(r), "42", token).expectError(400, "validation_error");
        });
    }

    @TestFactory
    List<DynamicTest> unknownFieldsAre400() {
        return forEach(PlatformBadInputIT::writes, r -> {
            JsonNode body = sampleBody(r);
            target(body).put("surprise", true);
            var reply = api.call(r.method(), path(r), body.toString(), token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields").toString()).contains(prefix(r) + "surprise");
        });
    }

    @TestFactory
    List<DynamicTest> wrongTypesAre400NamingTheField() {
        List<String> candidates = List.of("12345", "true", "{\"x\":1}", "[\"a\"]", "\"text\"");
        return forEach(r -> writes(r) && target(sampleBody(r)).size() > 0, r -> {
            Iterator<String> names = target(sampleBody(r)).fieldNames();
            while (names.hasNext()) {
                String field = names.next();
                JsonNode good = target(sampleBody(r)).get(field);
                for (String wrong : candidates) {
                    JsonNode bad = Json.readTree(wrong);
                    if (bad.getNodeType() == good.getNodeType()) continue;
                    JsonNode body = sampleBody(r);
                    target(body).set(field, bad);
                    var reply = api.call(r.method(), path(r), body.toString(), token).expectError(400, "validation_error");
                    assertThat(reply.json().at("/details/fields/0/field").asText()).as("%s with %s=%s", r.routeKey(), field, wrong)
                            .startsWith(prefix(r) + field);
                }
                // null for a required field is "missing"; for an optional one it may mean "absent"
                JsonNode body = sampleBody(r);
                target(body).putNull(field);
                assertThat(api.call(r.method(), path(r), body.toString(), token).status()).isBetween(200, 499);
            }
        });
    }

    @TestFactory
    List<DynamicTest> missingRequiredFieldsAre400() {
        return forEach(r -> writes(r) && !NO_REQUIRED_FIELDS.contains(r.routeKey()), r -> {
            String empty = arrayBody(r) ? "[{}]" : "{}";
            var reply = api.call(r.method(), path(r), empty, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields").size()).isGreaterThan(0);
            for (JsonNode f : reply.json().at("/details/fields")) assertThat(f.get("problem").asText()).isNotBlank();
            if (!r.method().equals("PUT")) {
                // no body at all reads as {} (or, for raw-body routes, as malformed): a 400 either way
                var none = api.call(r.method(), path(r), null, token);
                assertThat(none.status()).isEqualTo(400);
                assertThat(none.text("/error")).isIn("validation_error", "malformed_json");
            }
        });
    }

    @TestFactory
    List<DynamicTest> oversizeBodiesAre413() {
        String big = "{\"name\":\"" + "x".repeat(300 * 1024) + "\"}";
        String bigArray = "[{\"key\":\"BIG\",\"value\":\"" + "x".repeat(300 * 1024) + "\"}]";
        return forEach(PlatformBadInputIT::writes, r -> {
            api.call(r.method(), path(r), big, token).expectError(413, "payload_too_large");
            api.call(r.method(), path(r), bigArray, token).expectError(413, "payload_too_large");
        });
    }

    @TestFactory
    List<DynamicTest> wrongContentTypeIs415() {
        return forEach(PlatformBadInputIT::writes, r -> {
            for (String type : List.of("application/x-www-form-urlencoded", "text/plain", "application/xml")) {
                api.call(r.method(), path(r), samples.get(r.routeKey()).body(), token, Map.of("content-type", type))
                        .expectError(415, "unsupported_media_type");
            }
        });
    }

    @TestFactory
    List<DynamicTest> credentialsAreRequiredAndChecked() {
        return forEach(r -> !r.access().isPublic(), r -> {
            String body = samples.get(r.routeKey()).body();
            api.call(r.method(), path(r), body, null).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, null, Map.of("authorization", "Bearer not-a-token")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, null, Map.of("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."))
                    .expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, null, Map.of("authorization", "Basic dXNlcjpwYXNz")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, null, Map.of("authorization", "Bearer ")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, null, Map.of("x-api-key", "gk_live_unknown")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, expiredToken).expectError(401, "token_expired");
        });
    }

    /** Every authenticated POST is under the Idempotency-Key rule: a malformed key is refused before the route runs. */
    @TestFactory
    List<DynamicTest> everyAuthenticatedPostChecksItsIdempotencyKey() {
        return forEach(r -> r.method().equals("POST") && !r.access().isPublic(), r -> {
            var reply = api.call(r.method(), path(r), samples.get(r.routeKey()).body(), token, Map.of("idempotency-key", "k".repeat(256)))
                    .expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("Idempotency-Key");
        });
    }

    /** An id of the wrong shape (wrong prefix, upper case, truncated, too long, odd characters) is a missing one: 404 {@code <resource>_not_found}. */
    @TestFactory
    List<DynamicTest> idsOfTheWrongShapeAreNotFound() {
        List<String> wrong = List.of("x", "repo_", "env_", "sec_" + MISSING.toUpperCase(), "inst_" + MISSING + "0", "ct_" + MISSING.substring(1),
                "sb_" + MISSING.replace('z', 'u'), MISSING, "usr_" + MISSING, "x".repeat(3000), "%00", "a%2Fb", "%F0%9F%92%A5", "%FF%FE", "..");
        return forEach(r -> !r.path().parameterNames().isEmpty(), r -> {
            String template = r.path().template();
            String sample = path(r);
            List<String> samplesSegments = List.of(sample.split("/"));
            List<String> templateSegments = List.of(template.split("/"));
            for (int i = 0; i < templateSegments.size(); i++) {
                String seg = templateSegments.get(i);
                if (!seg.startsWith("{")) continue;
                String expected = switch (seg) {
                    case "{binding_id}" -> "secret_binding_not_found";
                    case "{key}" -> "env_var_not_found";
                    default -> NOT_FOUND.entrySet().stream().filter(e -> template.startsWith(e.getKey())).findFirst().orElseThrow().getValue();
                };
                for (String bad : wrong) {
                    List<String> segs = new ArrayList<>(samplesSegments);
                    segs.set(i, bad);
                    String p = String.join("/", segs);
                    api.call(r.method(), p, samples.get(r.routeKey()).body(), token).expectError(404, expected);
                }
                // the right shape, but nothing there
                if (seg.equals("{key}")) {
                    List<String> segs = new ArrayList<>(samplesSegments);
                    segs.set(i, "NOT_THERE");
                    api.call(r.method(), String.join("/", segs), null, token).expectError(404, expected);
                } else {
                    String prefix = expected.equals("secret_binding_not_found") ? "sb_" : samplesSegments.get(i).substring(0, samplesSegments.get(i).indexOf('_') + 1);
                    List<String> segs = new ArrayList<>(samplesSegments);
                    segs.set(i, prefix + MISSING);
                    api.call(r.method(), String.join("/", segs), samples.get(r.routeKey()).body(), token).expectError(404, expected);
                }
            }
        });
    }

    @TestFactory
    List<DynamicTest> limitsOutOfRangeAre400() {
        return forEach(r -> PAGINATED.contains(r.routeKey()), r -> {
            for (String q : List.of("0", "-1", "101", "abc", "1.5", "", "99999999999", "%00")) {
                var reply = api.call("GET", path(r) + "?limit=" + q, null, token).expectError(400, "validation_error");
                assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("limit");
            }
            api.call("GET", path(r) + "?limit=1", null, token).expect(200);
            api.call("GET", path(r) + "?limit=100", null, token).expect(200);
        });
    }

    @TestFactory
    List<DynamicTest> garbledCursorsAre400InvalidCursor() {
        return forEach(r -> PAGINATED.contains(r.routeKey()), r -> {
            for (String c : List.of("x", "abc.def", ".", "a.", ".b", "%00", "A".repeat(3000) + ".b", "eyJwayI6IngifQ.AAAAAAAAAAAAAAAAAAAAAA",
                    "!!!.???")) {
                api.call("GET", path(r) + "?cursor=" + c, null, token).expectError(400, "invalid_cursor");
            }
        });
    }

    @Test
    void tamperedAndForeignCursorsAre400InvalidCursor() {
        String cursor = api.call("GET", "/v1/secrets?limit=1", null, token).expect(200).text("/next_cursor");
        assertThat(cursor).isNotBlank().contains(".");
        api.call("GET", "/v1/secrets?limit=1&cursor=" + cursor, null, token).expect(200);
        // one character of the payload changed, then one of the MAC
        int dot = cursor.indexOf('.');
        api.call("GET", "/v1/secrets?limit=1&cursor=" + flip(cursor, 2), null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/secrets?limit=1&cursor=" + flip(cursor, dot + 2), null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/secrets?limit=1&cursor=" + cursor.substring(0, cursor.length() - 1), null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/secrets?limit=1&cursor=" + cursor + "A", null, token).expectError(400, "invalid_cursor");
        // a cursor of one list on another list, or of one workspace in another
        for (String other : List.of("/v1/repos", "/v1/compute-targets", "/v1/instances", "/v1/repos/" + repoId + "/environments",
                "/v1/deploys", "/v1/deploys/" + deployId + "/logs", "/v1/jobs")) {
            api.call("GET", other + "?cursor=" + cursor, null, token).expectError(400, "invalid_cursor");
        }
        String stranger = api.signup("cursor-stranger");
        api.call("GET", "/v1/secrets?cursor=" + cursor, null, stranger).expectError(400, "invalid_cursor");
    }

    private static String flip(String s, int at) {
        char c = s.charAt(at);
        return s.substring(0, at) + (c == 'A' ? 'B' : 'A') + s.substring(at + 1);
    }

    @TestFactory
    List<DynamicTest> oddPathSegmentsAndQueriesAreNever500() {
        List<String> odd = List.of("%00", "..", "a%2Fb", "x".repeat(3000), "env_", "💥", "%FF%FE", "%20", "a?b");
        return forEach(r -> !r.path().parameterNames().isEmpty() || r.method().equals("GET"), r -> {
            for (String segment : odd) {
                String p = r.path().template().replaceAll("\\{[^}]+}", segment);
                var reply = api.call(r.method(), p, samples.get(r.routeKey()).body(), token);
                assertThat(reply.status()).isBetween(200, 499);
                if (reply.status() >= 400) assertThat(reply.text("/error")).isNotBlank();
            }
            if (r.method().equals("DELETE")) return;
            for (String q : List.of("?limit=-1", "?limit=abc", "?cursor=%00", "?cursor=" + "A".repeat(3000), "?reveal=%00", "?scope=%00",
                    "?force=maybe", "?installation_id=%00&state=%00", "?limit=1&limit=2")) {
                var reply = api.call(r.method(), path(r) + (path(r).contains("?") ? q.replace('?', '&') : q), samples.get(r.routeKey()).body(), token);
                assertThat(reply.status()).isBetween(200, 499);
                if (reply.status() >= 400) assertThat(reply.text("/error")).isNotBlank();
            }
        });
    }

    // --- specific rules (API.md §6–§8) -----------------------------------------------------------------

    @Test
    void envVarKeysMustMatchThePattern() {
        String url = "/v1/environments/" + envId + "/env-vars";
        for (String key : List.of("lower", "1ABC", "A-B", "A B", "", "ÄB", "A.B", "A$", "A\\nB", "K".repeat(257))) {
            String body = "[{\"key\":\"" + key + "\",\"value\":\"v\"}]";
            var reply = api.call("PUT", url, body, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("[0].key");
            assertThat(reply.raw()).as("a problem never echoes the input").doesNotContain("\"" + key + "\"");
            reply = api.call("PATCH", url, "{\"set\":[{\"key\":\"" + key + "\",\"value\":\"v\"}]}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("set[0].key");
            reply = api.call("PATCH", url, "{\"unset\":[\"" + key + "\"]}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("unset[0]");
            // the same rule for shared secret keys and binding aliases
            api.call("POST", "/v1/secrets", "{\"key\":\"" + key + "\",\"value\":\"v\",\"scope\":\"all\"}", token).expectError(400, "validation_error");
            api.call("POST", "/v1/environments/" + envId + "/secret-bindings", "{\"secret_key\":\"REDIS_URL\",\"alias\":\"" + key + "\"}", token)
                    .expectError(400, "validation_error");
        }
        api.call("PATCH", url, "{\"unset\":[42]}", token).expectError(400, "validation_error");
        api.call("PATCH", url, "{\"set\":[\"A\"]}", token).expectError(400, "validation_error");
        api.call("PUT", url, "[\"A\"]", token).expectError(400, "validation_error");
        api.call("PUT", url, "[null]", token).expectError(400, "validation_error");
        var ok = api.call("PUT", url, "[{\"key\":\"_A1\",\"value\":\"v\"},{\"key\":\"PORT\",\"value\":\"8080\"}]", token).expect(200);
        assertThat(ok.raw()).contains("_A1");
    }

    @Test
    void atMost500EnvVars() {
        String url = "/v1/environments/" + envId + "/env-vars";
        var reply = api.call("PUT", url, vars(501, 0), token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("(body)");
        reply = api.call("PATCH", url, "{\"set\":" + vars(501, 0) + "}", token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("set");
        api.call("PUT", url, vars(500, 0), token).expect(200);
        assertThat(api.call("GET", url, null, token).expect(200).json().size()).isEqualTo(500);
        // a PATCH that would make 501 is refused, nothing written; one that keeps 500 is fine
        reply = api.call("PATCH", url, "{\"set\":" + vars(1, 500) + "}", token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("set");
        assertThat(api.call("GET", url, null, token).expect(200).json().size()).isEqualTo(500);
        api.call("PATCH", url, "{\"set\":" + vars(1, 500) + ",\"unset\":[\"K0\"]}", token).expect(200);
        api.call("PUT", url, "[{\"key\":\"PORT\",\"value\":\"8080\"}]", token).expect(200);
    }

    private static String vars(int n, int from) {
        return IntStream.range(from, from + n).mapToObj(i -> "{\"key\":\"K" + i + "\",\"value\":\"v\"}").collect(Collectors.joining(",", "[", "]"));
    }

    @Test
    void valuesAreAtMost32KiB() {
        String url = "/v1/environments/" + envId + "/env-vars";
        String max = "x".repeat(32 * 1024);
        api.call("PUT", url, "[{\"key\":\"BIG\",\"value\":\"" + max + "\"}]", token).expect(200);
        var reply = api.call("PUT", url, "[{\"key\":\"BIG\",\"value\":\"" + max + "x\"}]", token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("[0].value");
        assertThat(reply.raw()).doesNotContain(max);
        // counted in UTF-8 bytes: 11,000 three-byte characters are 33,000 bytes
        String wide = "€".repeat(11_000);
        reply = api.call("PUT", url, "[{\"key\":\"BIG\",\"value\":\"" + wide + "\",\"secret\":true}]", token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("[0].value");
        reply = api.call("PATCH", url, "{\"set\":[{\"key\":\"BIG\",\"value\":\"" + max + "x\"}]}", token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("set[0].value");
        api.call("POST", "/v1/secrets", "{\"key\":\"BIG\",\"value\":\"" + max + "x\",\"scope\":\"all\"}", token).expectError(400, "validation_error");
        api.call("PATCH", "/v1/secrets/" + secretId, "{\"value\":\"" + max + "x\"}", token).expectError(400, "validation_error");
        // past the 256 KiB body limit the body is refused before it is read
        String huge = "x".repeat(257 * 1024);
        api.call("PUT", url, "[{\"key\":\"BIG\",\"value\":\"" + huge + "\"}]", token).expectError(413, "payload_too_large");
        api.call("PATCH", url, "{\"set\":[{\"key\":\"BIG\",\"value\":\"" + huge + "\"}]}", token).expectError(413, "payload_too_large");
        api.call("POST", "/v1/secrets", "{\"key\":\"BIG\",\"value\":\"" + huge + "\",\"scope\":\"all\"}", token).expectError(413, "payload_too_large");
        // many values each under 32 KiB, together over 256 KiB
        String many = IntStream.range(0, 9).mapToObj(i -> "{\"key\":\"K" + i + "\",\"value\":\"" + max + "\"}").collect(Collectors.joining(",", "[", "]"));
        api.call("PUT", url, many, token).expectError(413, "payload_too_large");
        api.call("PUT", url, "[{\"key\":\"PORT\",\"value\":\"8080\"}]", token).expect(200);
    }

    @Test
    void duplicateKeysAndSetAndUnsetOfOneKeyAre400() {
        String url = "/v1/environments/" + envId + "/env-vars";
        var reply = api.call("PUT", url, "[{\"key\":\"A\",\"value\":\"1\"},{\"key\":\"B\",\"value\":\"2\"},{\"key\":\"A\",\"value\":\"3\"}]", token)
                .expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("[2].key");
        reply = api.call("PATCH", url, "{\"set\":[{\"key\":\"A\",\"value\":\"1\"},{\"key\":\"A\",\"value\":\"2\"}]}", token)
                .expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("set[1].key");
        reply = api.call("PATCH", url, "{\"set\":[{\"key\":\"A\",\"value\":\"1\"}],\"unset\":[\"B\",\"A\"]}", token)
                .expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("unset[1]");
        // nothing of a refused request was written
        assertThat(api.call("GET", url, null, token).expect(200).raw()).doesNotContain("\"A\"");
    }

    @Test
    void bodyShapesOfTheEnvVarRoutes() {
        String url = "/v1/environments/" + envId + "/env-vars";
        for (String notArray : List.of("{}", "{\"key\":\"A\",\"value\":\"1\"}", "\"A\"", "null", "true", "1")) {
            var reply = api.call("PUT", url, notArray, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("(body)");
        }
        for (String notObject : List.of("[]", "[{\"key\":\"A\",\"value\":\"1\"}]", "\"A\"", "null")) {
            var reply = api.call("PATCH", url, notObject, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("(body)");
        }
        api.call("PATCH", url, "{\"set\":{\"key\":\"A\"}}", token).expectError(400, "validation_error");
        api.call("PATCH", url, "{\"unset\":\"A\"}", token).expectError(400, "validation_error");
        api.call("PUT", url, null, token).expectError(400, "malformed_json");
        api.call("PATCH", url, null, token).expectError(400, "malformed_json");
        // an empty list is a valid full replacement
        api.call("PUT", url, "[]", token).expect(200);
        api.call("PUT", url, "[{\"key\":\"PORT\",\"value\":\"8080\"}]", token).expect(200);
    }

    @Test
    void environmentNamesAreSlugs() {
        String create = "/v1/repos/" + repoId + "/environments";
        for (String name : List.of("Prod", "-prod", "prod_1", "prod!", "pr od", "", "a".repeat(64), "é")) {
            var reply = api.call("POST", create, "{\"name\":\"" + name + "\",\"compute_target_id\":\"" + ctId + "\"}", token)
                    .expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("name");
            reply = api.call("PATCH", "/v1/environments/" + envId, "{\"name\":\"" + name + "\"}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("name");
        }
        for (String[] field : new String[][] {{"region", "FSN 1"}, {"instance_type", "CX22!"}, {"branch", "a..b"}, {"branch", "/main"},
                {"branch", "main branch"}, {"secret_scope", "prod"}, {"secret_scope", "all"}}) {
            var reply = api.call("POST", create, "{\"name\":\"qa\",\"compute_target_id\":\"" + ctId + "\",\"" + field[0] + "\":\"" + field[1] + "\"}",
                    token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo(field[0]);
        }
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/name")).isEqualTo("production");
        // a compute target that is not there, not of this shape, or another workspace's: 404, nothing created
        api.call("POST", create, "{\"name\":\"qa\",\"compute_target_id\":\"ct_" + MISSING + "\"}", token)
                .expectError(404, "compute_target_not_found");
        api.call("POST", create, "{\"name\":\"qa\",\"compute_target_id\":\"nonsense\"}", token)
                .expectError(404, "compute_target_not_found");
        String stranger = api.signup("ct-stranger");
        String strangersCt = api.call("POST", "/v1/compute-targets",
                "{\"provider\":\"hetzner\",\"name\":\"S\",\"api_token\":\"" + HETZNER_TOKEN + "\"}", stranger).expect(201).text("/id");
        api.call("POST", create, "{\"name\":\"qa\",\"compute_target_id\":\"" + strangersCt + "\"}", token)
                .expectError(404, "compute_target_not_found");
        assertThat(api.call("GET", create, null, token).expect(200).raw()).doesNotContain("\"qa\"");
    }

    @Test
    void unknownProvidersAre400InvalidProvider() {
        for (String provider : List.of("aws", "HETZNER", "digital-ocean", "hetzner ", "x".repeat(64))) {
            api.call("POST", "/v1/compute-targets", "{\"provider\":\"" + provider + "\",\"name\":\"x\",\"api_token\":\"tok-0123456789\"}", token)
                    .expectError(400, "invalid_provider");
        }
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"\",\"name\":\"x\",\"api_token\":\"tok-0123456789\"}", token)
                .expectError(400, "validation_error");
        api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"x\",\"api_token\":\"short\"}", token)
                .expectError(400, "validation_error");
    }

    @Test
    void booleanAndEnumQueryParametersAreStrict() {
        for (String v : List.of("maybe", "TRUE", "1", "yes", "")) {
            var reply = api.call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=" + v, null, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("reveal");
            reply = api.call("DELETE", "/v1/secrets/" + secretId + "?force=" + v, null, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("force");
        }
        api.call("GET", "/v1/secrets/" + secretId, null, token).expect(200);
        api.call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=false", null, token).expect(200);
        api.call("GET", "/v1/environments/" + envId + "/resolved-env?reveal=true", null, token).expect(200);
        var reply = api.call("GET", "/v1/secrets?scope=prod", null, token).expectError(400, "validation_error");
        assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("scope");
        api.call("GET", "/v1/secrets?scope=all", null, token).expect(200);
    }

    @Test
    void githubSetupQueryIsChecked() {
        for (String q : List.of("", "?state=s", "?installation_id=abc&state=s", "?installation_id=0&state=s", "?installation_id=-1&state=s",
                "?installation_id=1234", "?installation_id=1234&state=", "?installation_id=1234&state=s&setup_action=delete",
                "?installation_id=99999999999999999999999&state=s")) {
            api.call("GET", "/v1/github/setup" + q, null, token).expectError(400, "validation_error");
        }
    }

    @Test
    void repoFullNamesAreChecked() {
        for (String name : List.of("flask-app", "/flask-app", "gantry-demo/", "a/b/c", "gantry demo/x", "..", "gantry-demo/" + "x".repeat(200))) {
            var reply = api.call("POST", "/v1/repos", "{\"full_name\":\"" + name + "\"}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("full_name");
        }
    }

    @Test
    void ifMatchHeadersThatAreNotETagsAre412AndNothingIsWritten() {
        for (String etag : List.of("garbage", "\"\"", "W/\"1\"", "\"-1\"", "\"99999999999999999999\"", "*x")) {
            api.call("PATCH", "/v1/environments/" + envId, "{\"branch\":\"changed\"}", token, Map.of("if-match", etag))
                    .expectError(412, "precondition_failed");
            api.call("PUT", "/v1/environments/" + envId + "/env-vars", "[]", token, Map.of("if-match", etag))
                    .expectError(412, "precondition_failed");
        }
        assertThat(api.call("GET", "/v1/environments/" + envId, null, token).expect(200).text("/branch")).isEqualTo("main");
        assertThat(api.call("GET", "/v1/environments/" + envId + "/env-vars", null, token).expect(200).raw()).contains("PORT");
    }


    // --- deploys and jobs (API.md §9) -------------------------------------------------------------------

    private static int deployCount() {
        return api.call("GET", "/v1/deploys?environment_id=" + envId + "&limit=100", null, token).expect(200).json().get("data").size();
    }

    private static String newDeploy(String sha) {
        return api.call("POST", "/v1/environments/" + envId + "/deploys", "{\"sha\":\"" + sha + "\"}", token).expect(202).text("/id");
    }

    @Test
    void deployShasAreSevenToFortyLowerCaseHex() {
        String url = "/v1/environments/" + envId + "/deploys";
        int before = deployCount();
        for (String sha : List.of("", "abc", "abcdef", "ABCDEF1", SHA.toUpperCase(), "g123456", "0123456z", "01234 67", " 0123456",
                "0x12345", "-123456", SHA + "0", "0".repeat(64), "012345\\u00e9")) {
            var reply = api.call("POST", url, "{\"sha\":\"" + sha + "\"}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).as("sha %s", sha).isEqualTo("sha");
        }
        for (String notString : List.of("1234567", "true", "[\"" + SHA + "\"]", "{\"sha\":\"" + SHA + "\"}")) {
            var reply = api.call("POST", url, "{\"sha\":" + notString + "}", token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("sha");
        }
        api.call("POST", url, "{\"sha\":\"" + SHA + "\",\"branch\":\"main\"}", token).expectError(400, "validation_error");
        assertThat(deployCount()).as("no refused request created a deploy").isEqualTo(before);
        // the shortest and the longest are fine, and no sha at all deploys the head of the branch
        assertThat(api.call("GET", "/v1/deploys/" + newDeploy("abcdef0"), null, token).expect(200).text("/sha")).isEqualTo("abcdef0");
        assertThat(api.call("GET", "/v1/deploys/" + newDeploy(SHA), null, token).expect(200).text("/sha")).isEqualTo(SHA);
        var head = api.call("POST", url, "{}", token).expect(202);
        assertThat(head.text("/sha")).matches("[0-9a-f]{40}");
        assertThat(head.text("/triggered_by")).isEqualTo("api");
        assertThat(api.call("POST", url, null, token).expect(202).text("/status")).isEqualTo("queued");
    }

    @Test
    void deployStatusFilterIsOneOfTheStatuses() {
        for (String status : List.of("done", "QUEUED", "queued%20", "running", "cancelling", "%00", "succeeded,failed", "x".repeat(3000))) {
            var reply = api.call("GET", "/v1/deploys?status=" + status, null, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("status");
        }
        for (String status : List.of("queued", "provisioning", "building", "deploying", "succeeded", "failed", "cancelled", "superseded")) {
            var page = api.call("GET", "/v1/deploys?status=" + status, null, token).expect(200);
            for (JsonNode d : page.json().get("data")) assertThat(d.get("status").asText()).isEqualTo(status);
        }
        api.call("GET", "/v1/deploys?environment_id=" + envId + "&status=queued", null, token).expect(200);
    }

    @Test
    void deployListFiltersNamingMissingOrForeignIdsAre404() {
        String stranger = api.signup("deploy-filter-stranger");
        String strangersRepo = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", stranger).expect(201).text("/id");
        for (String env : List.of("env_" + MISSING, "nonsense", "repo_" + MISSING, "%00")) {
            api.call("GET", "/v1/deploys?environment_id=" + env, null, token).expectError(404, "environment_not_found");
        }
        for (String repo : List.of("repo_" + MISSING, "nonsense", "env_" + MISSING, strangersRepo)) {
            api.call("GET", "/v1/deploys?repo_id=" + repo, null, token).expectError(404, "repo_not_found");
        }
        // the stranger's own filter works for the stranger, and shows none of this workspace's deploys
        assertThat(api.call("GET", "/v1/deploys?repo_id=" + strangersRepo, null, stranger).expect(200).json().get("data")).isEmpty();
        assertThat(api.call("GET", "/v1/deploys?repo_id=" + repoId, null, token).expect(200).json().get("data")).isNotEmpty();
    }

    @Test
    void missingAndForeignDeploysAre404DeployNotFound() {
        // another workspace's deploy, of the same GitHub repo
        String stranger = api.signup("deploy-stranger");
        String repo = api.call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", stranger).expect(201).text("/id");
        String ct = api.call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"S\",\"api_token\":\"" + HETZNER_TOKEN + "\"}",
                stranger).expect(201).text("/id");
        String env = api.call("POST", "/v1/repos/" + repo + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}",
                stranger).expect(201).text("/id");
        String foreign = api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + SHA + "\"}", stranger).expect(202).text("/id");
        String before = api.call("GET", "/v1/deploys/" + foreign, null, stranger).expect(200).raw();

        for (String id : List.of(foreign, "dep_" + MISSING, "env_" + MISSING, "dep_" + MISSING.toUpperCase(), "nonsense")) {
            String d = "/v1/deploys/" + id;
            var got = api.call("GET", d, null, token).expectError(404, "deploy_not_found");
            assertThat(got.raw()).doesNotContain(foreign);
            api.call("GET", d + "/logs", null, token).expectError(404, "deploy_not_found");
            api.call("POST", d + "/cancel", "{}", token).expectError(404, "deploy_not_found");
            api.call("POST", d + "/rollback", "{}", token).expectError(404, "deploy_not_found");
        }
        api.call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + SHA + "\"}", token).expectError(404, "environment_not_found");
        // nothing of the stranger's changed, and the stranger's deploy is not in this workspace's lists
        assertThat(api.call("GET", "/v1/deploys/" + foreign, null, stranger).expect(200).raw()).isEqualTo(before);
        assertThat(api.call("GET", "/v1/deploys?environment_id=" + env, null, stranger).expect(200).json().get("data")).hasSize(1);
        assertThat(api.call("GET", "/v1/deploys?limit=100", null, token).expect(200).raw()).doesNotContain(foreign);
    }

    @Test
    void cancelAndRollbackTakeNoFields() {
        String id = newDeploy("cafe0001");
        String d = "/v1/deploys/" + id;
        for (String body : List.of("{\"reason\":\"x\"}", "{\"status\":\"cancelled\"}", "{\"force\":true}")) {
            var reply = api.call("POST", d + "/cancel", body, token).expectError(400, "validation_error");
            String field = body.substring(2, body.indexOf('"', 2));
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo(field);
            reply = api.call("POST", d + "/rollback", body, token).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo(field);
        }
        api.call("POST", d + "/cancel", "[]", token).expectError(400, "validation_error");
        assertThat(api.call("GET", d, null, token).expect(200).text("/status")).as("a refused cancel cancels nothing").isEqualTo("queued");
        // then the real thing: cancelled once, and after that it is over
        assertThat(api.call("POST", d + "/cancel", null, token).expect(200).text("/status")).isEqualTo("cancelling");
        assertThat(api.call("GET", d, null, token).expect(200).text("/status")).isEqualTo("cancelled");
        api.call("POST", d + "/cancel", "{}", token).expectError(409, "deploy_already_terminal");
        // nothing of this environment succeeded before it: nothing to roll back to
        api.call("POST", d + "/rollback", "{}", token).expectError(409, "conflict");
    }

    @Test
    void deployListsAndLogsPage() {
        String older = newDeploy("feed0001");
        String newer = newDeploy("feed0002");
        assertThat(api.call("GET", "/v1/deploys/" + older, null, token).expect(200).text("/status")).isEqualTo("superseded");
        // the superseded deploy has two lines: queued, then superseded; one a page
        String logs = "/v1/deploys/" + older + "/logs";
        var first = api.call("GET", logs + "?limit=1", null, token).expect(200);
        assertThat(first.json().get("lines")).hasSize(1);
        assertThat(first.json().at("/lines/0/source").asText()).isEqualTo("gantry");
        String cursor = first.text("/next_cursor");
        assertThat(cursor).isNotBlank();
        var second = api.call("GET", logs + "?limit=1&cursor=" + cursor, null, token).expect(200);
        assertThat(second.json().at("/lines/0/text").asText()).contains(newer);
        // a log cursor is only good for the logs of its own deploy
        api.call("GET", "/v1/deploys/" + newer + "/logs?cursor=" + cursor, null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/deploys?cursor=" + cursor, null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/jobs?cursor=" + cursor, null, token).expectError(400, "invalid_cursor");

        // newest first, one a page, and a list cursor is only good for the same filters
        var page = api.call("GET", "/v1/deploys?limit=1", null, token).expect(200);
        assertThat(page.json().get("data")).hasSize(1);
        String listCursor = page.text("/next_cursor");
        assertThat(listCursor).isNotBlank();
        var next = api.call("GET", "/v1/deploys?limit=1&cursor=" + listCursor, null, token).expect(200);
        assertThat(next.json().at("/data/0/id").asText()).isLessThan(page.json().at("/data/0/id").asText());
        api.call("GET", "/v1/deploys?status=queued&cursor=" + listCursor, null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/deploys?environment_id=" + envId + "&cursor=" + listCursor, null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/jobs?cursor=" + listCursor, null, token).expectError(400, "invalid_cursor");
        api.call("GET", logs + "?cursor=" + listCursor, null, token).expectError(400, "invalid_cursor");

        // jobs: the counts and the environment's provisioning job
        var jobs = api.call("GET", "/v1/jobs?limit=100", null, token).expect(200);
        assertThat(jobs.json().get("queued").isIntegralNumber()).isTrue();
        assertThat(jobs.json().get("running").isIntegralNumber()).isTrue();
        assertThat(jobs.json().get("jobs").findValuesAsText("environment_id")).contains(envId);
        assertThat(jobs.json().has("next_cursor")).isTrue();
    }

    // --- helpers ----------------------------------------------------------------------------------------

    private static boolean writes(Route<?> r) {
        return r.method().equals("POST") || r.method().equals("PATCH") || r.method().equals("PUT");
    }

    /** The PUT of env vars takes a JSON array of objects; every other write takes an object. */
    private static boolean arrayBody(Route<?> r) {
        return r.method().equals("PUT");
    }

    private static String path(Route<?> r) {
        return samples.get(r.routeKey()).path();
    }

    private static JsonNode sampleBody(Route<?> r) {
        String body = samples.get(r.routeKey()).body();
        return body == null ? Json.mapper().createObjectNode() : Json.readTree(body);
    }

    /** The object whose fields a generated test mutates: the body, or the first entry of an array body. */
    private static ObjectNode target(JsonNode body) {
        return body instanceof ArrayNode a ? (ObjectNode) a.get(0) : (ObjectNode) body;
    }

    /** How the fields of {@link #target} are named in {@code details.fields}. */
    private static String prefix(Route<?> r) {
        return arrayBody(r) ? "[0]." : "";
    }

    private static List<DynamicTest> forEach(Predicate<Route<PlatformApi>> which, Consumer<Route<PlatformApi>> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Route<PlatformApi> r : PlatformRoutes.TABLE.routes()) {
            if (which.test(r)) tests.add(DynamicTest.dynamicTest(r.routeKey(), () -> check.accept(r)));
        }
        assertThat(tests).as("the selection covers at least one route").isNotEmpty();
        return tests;
    }
}

package dev.gantry.functions.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.secrets.MasterKeys;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input on every route of the identity table: malformed JSON, wrong types, missing and unknown
 * fields, oversize bodies, wrong media types, and missing, garbled or expired credentials. Each is
 * answered with its documented status and code, never a 500. A route added to the table without
 * a sample here fails {@link #everyRouteHasASample()}.
 */
class IdentityBadInputIT {
    private static IdentityClient api;
    private static String token;
    private static String expiredToken;
    private static String userId;

    /** A valid request for each route: the path to call and a body (null: the route takes none). */
    record Sample(String path, String body) {}

    private static Map<String, Sample> samples;

    @BeforeAll
    static void start() {
        // GitHub sign-in configured (so its routes answer rather than 503), against an address nothing
        // listens on: no sample here gets as far as calling GitHub.
        Wiring wiring = TestStack.newWiring(java.time.Clock.systemUTC(), null, Map.of("GANTRY_GITHUB_CLIENT_ID", "Iv1.badinput",
                "GANTRY_GITHUB_URL", "http://127.0.0.1:9", "GANTRY_GITHUB_API_URL", "http://127.0.0.1:9"));
        // Hundreds of requests from one free workspace (burst 50) in a few seconds: rate limits are not
        // this class's subject (RateLimitsIT's), so they are off here.
        wiring.rateLimiter(dev.gantry.shared.limits.RateLimiter.NONE);
        api = new IdentityClient(new IdentityHandler(wiring));
        var s = api.signup("bad-input-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Bad Input");
        token = s.text("/token");
        userId = s.text("/user/id");
        var keys = new MasterKeys(TestStack.secrets(), wiring.config());
        expiredToken = new AccessTokens(keys::accessTokenKeys, Duration.ofMinutes(15))
                .issue(userId, s.text("/workspace/id"), "ses_01j9zzzzzzzzzzzzzzzzzzzzzz", Instant.now().minus(Duration.ofHours(1))).token();
        samples = Map.ofEntries(
                Map.entry("GET /health", new Sample("/health", null)),
                Map.entry("GET /v1/openapi.json", new Sample("/v1/openapi.json", null)),
                Map.entry("GET /v1/plans", new Sample("/v1/plans", null)),
                Map.entry("GET /v1/plans/{name}", new Sample("/v1/plans/free", null)),
                Map.entry("POST /v1/auth/signup", new Sample("/v1/auth/signup",
                        "{\"email\":\"new@example.com\",\"password\":\"correct horse battery\",\"name\":\"N\",\"workspace_name\":\"W\"}")),
                Map.entry("POST /v1/auth/login", new Sample("/v1/auth/login", "{\"email\":\"x@example.com\",\"password\":\"pw\",\"workspace_id\":\"ws_x\"}")),
                Map.entry("POST /v1/auth/refresh", new Sample("/v1/auth/refresh", "{\"refresh_token\":\"grt_x\"}")),
                Map.entry("GET /v1/auth/github/start", new Sample("/v1/auth/github/start", null)),
                Map.entry("GET /v1/auth/github/callback", new Sample("/v1/auth/github/callback?code=x&state=y", null)),
                Map.entry("POST /v1/auth/logout", new Sample("/v1/auth/logout", null)),
                Map.entry("POST /v1/auth/switch", new Sample("/v1/auth/switch", "{\"workspace_id\":\"ws_x\"}")),
                Map.entry("GET /v1/workspaces", new Sample("/v1/workspaces", null)),
                Map.entry("GET /v1/me", new Sample("/v1/me", null)),
                Map.entry("GET /v1/workspace", new Sample("/v1/workspace", null)),
                Map.entry("PATCH /v1/workspace", new Sample("/v1/workspace", "{\"name\":\"Renamed\"}")),
                Map.entry("GET /v1/members", new Sample("/v1/members", null)),
                Map.entry("POST /v1/members", new Sample("/v1/members", "{\"email\":\"x@example.com\",\"role\":\"viewer\"}")),
                Map.entry("GET /v1/members/{user_id}", new Sample("/v1/members/" + userId, null)),
                Map.entry("PATCH /v1/members/{user_id}", new Sample("/v1/members/" + userId, "{\"role\":\"owner\"}")),
                Map.entry("DELETE /v1/members/{user_id}", new Sample("/v1/members/usr_01j9zzzzzzzzzzzzzzzzzzzzzz", null)),
                Map.entry("GET /v1/audit-log", new Sample("/v1/audit-log", null)),
                Map.entry("POST /v1/api-keys", new Sample("/v1/api-keys",
                        "{\"name\":\"k\",\"role\":\"viewer\",\"expires_at\":\"2099-01-01T00:00:00Z\",\"ip_allowlist\":[\"10.0.0.0/8\"]}")),
                Map.entry("GET /v1/api-keys", new Sample("/v1/api-keys", null)),
                Map.entry("GET /v1/api-keys/{id}", new Sample("/v1/api-keys/ak_01j9zzzzzzzzzzzzzzzzzzzzzz", null)),
                Map.entry("PATCH /v1/api-keys/{id}", new Sample("/v1/api-keys/ak_01j9zzzzzzzzzzzzzzzzzzzzzz", "{\"name\":\"n\",\"ip_allowlist\":[]}")),
                Map.entry("DELETE /v1/api-keys/{id}", new Sample("/v1/api-keys/ak_01j9zzzzzzzzzzzzzzzzzzzzzz", null)),
                Map.entry("GET /v1/subscription", new Sample("/v1/subscription", null)),
                Map.entry("POST /v1/subscription/change", new Sample("/v1/subscription/change", "{\"plan\":\"free\"}")),
                Map.entry("POST /v1/subscription/cancel", new Sample("/v1/subscription/cancel", null)));
    }

    @Test
    void everyRouteHasASample() {
        assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(IdentityRoutes.TABLE.routeKeys());
    }

    private static List<Route<IdentityApi>> routes() {
        return IdentityRoutes.TABLE.routes();
    }

    private static boolean writes(Route<?> r) {
        return r.method().equals("POST") || r.method().equals("PATCH") || r.method().equals("PUT");
    }

    private static String auth(Route<?> r) {
        return r.access().isPublic() ? null : token;
    }

    @TestFactory
    List<DynamicTest> malformedJsonIs400() {
        return forEach(r -> writes(r), r -> api.call(r.method(), path(r), "{\"broken\": ", auth(r)).expectError(400, "malformed_json"));
    }

    @TestFactory
    List<DynamicTest> deepAndDuplicateJsonIs400() {
        return forEach(r -> writes(r), r -> {
            api.call(r.method(), path(r), "[".repeat(5000) + "]".repeat(5000), auth(r)).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "{\"a\":1,\"a\":2}", auth(r)).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "[]", auth(r)).expectError(400, "validation_error");
        });
    }

    @TestFactory
    List<DynamicTest> unknownFieldsAre400() {
        return forEach(r -> writes(r), r -> {
            ObjectNode body = sampleBody(r);
            body.put("surprise", true);
            var reply = api.call(r.method(), path(r), body.toString(), auth(r)).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields").toString()).contains("surprise");
        });
    }

    @TestFactory
    List<DynamicTest> wrongTypesAre400NamingTheField() {
        return forEach(r -> writes(r) && samples.get(r.routeKey()).body() != null, r -> {
            Iterator<String> names = sampleBody(r).fieldNames();
            while (names.hasNext()) {
                String field = names.next();
                for (String wrong : List.of("12345", "true", "{\"x\":1}", "[\"a\"]")) {
                    ObjectNode body = sampleBody(r);
                    body.set(field, Json.readTree(wrong));
                    var reply = api.call(r.method(), path(r), body.toString(), auth(r)).expectError(400, "validation_error");
                    assertThat(reply.json().at("/details/fields/0/field").asText()).startsWith(field);
                }
            }
        });
    }

    @TestFactory
    List<DynamicTest> missingRequiredFieldsAre400() {
        return forEach(r -> writes(r) && samples.get(r.routeKey()).body() != null, r -> {
            var reply = api.call(r.method(), path(r), "{}", auth(r)).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields").size()).isGreaterThan(0);
            for (JsonNode f : reply.json().at("/details/fields")) assertThat(f.get("problem").asText()).isNotBlank();
        });
    }

    @TestFactory
    List<DynamicTest> oversizeBodiesAre413() {
        String big = "{\"name\":\"" + "x".repeat(300 * 1024) + "\"}";
        return forEach(r -> writes(r), r -> api.call(r.method(), path(r), big, auth(r)).expectError(413, "payload_too_large"));
    }

    @TestFactory
    List<DynamicTest> wrongContentTypeIs415() {
        return forEach(r -> writes(r), r -> {
            var headers = new java.util.HashMap<String, String>();
            headers.put("content-type", "application/x-www-form-urlencoded");
            if (auth(r) != null) headers.put("authorization", "Bearer " + token);
            api.call(r.method(), path(r), "name=x", headers).expectError(415, "unsupported_media_type");
        });
    }

    @TestFactory
    List<DynamicTest> credentialsAreRequiredAndChecked() {
        return forEach(r -> !r.access().isPublic(), r -> {
            String body = samples.get(r.routeKey()).body();
            api.call(r.method(), path(r), body, Map.of()).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("authorization", "Bearer not-a-token")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("authorization", "Basic dXNlcjpwYXNz")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("authorization", "Bearer ")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("x-api-key", "gk_live_unknown")).expectError(401, "unauthorized");
            api.call(r.method(), path(r), body, Map.of("authorization", "Bearer " + expiredToken)).expectError(401, "token_expired");
        });
    }

    /** Every authenticated POST is under the Idempotency-Key rule: a malformed key is refused before the route runs. */
    @TestFactory
    List<DynamicTest> everyAuthenticatedPostChecksItsIdempotencyKey() {
        return forEach(r -> r.method().equals("POST") && !r.access().isPublic(), r -> {
            var headers = new java.util.HashMap<String, String>();
            headers.put("authorization", "Bearer " + token);
            headers.put("idempotency-key", "k".repeat(256));
            var reply = api.call(r.method(), path(r), samples.get(r.routeKey()).body(), headers).expectError(400, "validation_error");
            assertThat(reply.json().at("/details/fields/0/field").asText()).isEqualTo("Idempotency-Key");
        });
    }

    @TestFactory
    List<DynamicTest> oddPathSegmentsAndQueriesAreNever500() {
        List<String> odd = List.of("%00", "..", "a%2Fb", "x".repeat(3000), "usr_", "💥", "%FF%FE");
        return forEach(r -> !r.path().parameterNames().isEmpty() || r.method().equals("GET"), r -> {
            for (String segment : odd) {
                String p = r.path().template().replaceAll("\\{[^}]+}", segment);
                var reply = api.call(r.method(), p, samples.get(r.routeKey()).body(), auth(r));
                assertThat(reply.status()).isBetween(200, 499);
            }
            for (String q : List.of("?limit=-1", "?limit=abc", "?limit=99999999999", "?cursor=%00", "?cursor=" + "A".repeat(3000), "?action=%00%00")) {
                var reply = api.call(r.method(), path(r) + q, samples.get(r.routeKey()).body(), auth(r));
                assertThat(reply.status()).isBetween(200, 499);
            }
        });
    }

    private static String path(Route<?> r) {
        return samples.get(r.routeKey()).path();
    }

    private static ObjectNode sampleBody(Route<?> r) {
        String body = samples.get(r.routeKey()).body();
        return body == null ? Json.mapper().createObjectNode() : (ObjectNode) Json.readTree(body);
    }

    private static List<DynamicTest> forEach(java.util.function.Predicate<Route<IdentityApi>> which,
                                             java.util.function.Consumer<Route<IdentityApi>> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Route<IdentityApi> r : routes()) {
            if (which.test(r)) tests.add(DynamicTest.dynamicTest(r.routeKey(), () -> check.accept(r)));
        }
        assertThat(tests).as("the selection covers at least one route").isNotEmpty();
        return tests;
    }
}

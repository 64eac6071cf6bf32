package dev.gantry.functions.webhooks;

import dev.gantry.shared.http.Route;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input on every route of the webhooks table (API.md §1): malformed JSON, unknown fields, wrong
 * media types, no credentials, ids that exist nowhere or have the wrong shape, bad limits, status
 * filters and cursors. Each is answered with its documented status and code, never a 500 (the
 * client asserts that on every call). A route added without a sample fails {@link #everyRouteHasASample()}.
 */
class WebhookBadInputIT {
    static final String MISSING = "01j9zzzzzzzzzzzzzzzzzzzzzz";
    static WebhooksClient api;
    static String token;
    static Map<String, String> samples;

    @BeforeAll
    static void start() {
        var wiring = TestStack.newWiring(Clock.systemUTC(), null, Map.of("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
        wiring.rateLimiter(dev.gantry.shared.limits.RateLimiter.NONE);
        api = new WebhooksClient(wiring);
        api.signup(Plan.PRO);
        token = api.token();
        String id = api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/x\",\"events\":[\"*\"]}").expect(201).text("/id");
        String e = "/v1/webhook-endpoints/" + id;
        samples = Map.of(
                "POST /v1/webhook-endpoints", "/v1/webhook-endpoints",
                "GET /v1/webhook-endpoints", "/v1/webhook-endpoints",
                "GET /v1/webhook-endpoints/{id}", e,
                "PATCH /v1/webhook-endpoints/{id}", e,
                "DELETE /v1/webhook-endpoints/{id}", "/v1/webhook-endpoints/whe_" + MISSING,
                "POST /v1/webhook-endpoints/{id}/rotate-secret", e + "/rotate-secret",
                "POST /v1/webhook-endpoints/{id}/test", e + "/test",
                "GET /v1/webhook-endpoints/{id}/deliveries", e + "/deliveries",
                "GET /v1/webhook-endpoints/{id}/deliveries/{delivery_id}", e + "/deliveries/msg_" + MISSING,
                "POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver", e + "/deliveries/msg_" + MISSING + "/redeliver");
    }

    @Test
    void everyRouteHasASample() {
        assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(WebhookRoutes.TABLE.routeKeys());
    }

    static List<DynamicTest> each(java.util.function.Predicate<Route<?>> which, java.util.function.Consumer<Route<?>> check) {
        return WebhookRoutes.TABLE.routes().stream().filter(which)
                .map(r -> DynamicTest.dynamicTest(r.routeKey(), () -> check.accept(r))).toList();
    }

    static boolean write(Route<?> r) {
        return r.method().equals("POST") || r.method().equals("PATCH");
    }

    static String path(Route<?> r) {
        return samples.get(r.routeKey());
    }

    @TestFactory
    List<DynamicTest> malformedJsonAndUnknownFieldsAre400() {
        return each(WebhookBadInputIT::write, r -> {
            api.call(r.method(), path(r), "{\"broken\": ", token, Map.of()).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "{\"a\":1,\"a\":2}", token, Map.of()).expectError(400, "malformed_json");
            api.call(r.method(), path(r), "[]", token, Map.of()).expectError(400, "validation_error");
            Reply unknown = api.call(r.method(), path(r), "{\"surprise\":true}", token, Map.of()).expectError(400, "validation_error");
            assertThat(unknown.raw()).contains("surprise");
        });
    }

    @TestFactory
    List<DynamicTest> wrongMediaTypeIs415() {
        return each(WebhookBadInputIT::write, r ->
                api.call(r.method(), path(r), "{}", token, Map.of("content-type", "text/plain")).expectError(415, "unsupported_media_type"));
    }

    @TestFactory
    List<DynamicTest> noCredentialsIs401() {
        return each(r -> true, r -> api.call(r.method(), path(r), write(r) ? "{}" : null, null, Map.of()).expectError(401, "unauthorized"));
    }

    @TestFactory
    List<DynamicTest> idsThatExistNowhereOrHaveTheWrongShapeAre404() {
        return each(r -> !r.path().parameterNames().isEmpty(), r -> {
            String body = write(r) ? "{}" : null;
            for (String bad : List.of("whe_" + MISSING, "ct_" + MISSING, "nonsense", "whe_" + MISSING.toUpperCase(), "%00")) {
                String p = path(r).replaceFirst("/v1/webhook-endpoints/[^/]+", "/v1/webhook-endpoints/" + bad);
                Reply reply = api.call(r.method(), p, body, token, Map.of());
                assertThat(reply.status()).as("%s %s", r.method(), p).isIn(400, 404);
                if (reply.status() == 404) assertThat(reply.text("/error")).endsWith("not_found");
            }
        });
    }

    @Test
    void listsRejectBadLimitsCursorsAndStatuses() {
        String deliveries = samples.get("GET /v1/webhook-endpoints/{id}/deliveries");
        for (String list : List.of("/v1/webhook-endpoints", deliveries)) {
            for (String q : List.of("?limit=0", "?limit=101", "?limit=x", "?limit=-1")) {
                api.call("GET", list + q, null, token, Map.of()).expectError(400, "validation_error");
            }
            api.call("GET", list + "?cursor=abc.def", null, token, Map.of()).expectError(400, "invalid_cursor");
        }
        api.call("GET", deliveries + "?status=PENDING", null, token, Map.of()).expectError(400, "validation_error");
        api.call("GET", deliveries + "?status=", null, token, Map.of()).expectError(400, "validation_error");
    }

    @Test
    void eventFiltersAndUrlsAreValidated() {
        for (String events : List.of("[\"*.*\"]", "[\"deploy\"]", "[\"DEPLOY.*\"]", "[1]", "\"*\"", "[\"\"]", "[" + "\"*\",".repeat(50) + "\"*\"]")) {
            api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/x\",\"events\":" + events + "}", token, Map.of())
                    .expectError(400, "validation_error");
        }
        for (String url : List.of("", "127.0.0.1", "javascript:alert(1)", "https://[::1", "https://exa mple.com/", "https://" + "a".repeat(2100) + ".com/",
                "http://[::ffff:169.254.169.254]/", "https://0x7f.1/", "https://[fe80::1%25eth0]/")) {
            api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}", token, Map.of())
                    .expectError(400, "validation_error");
        }
    }
}

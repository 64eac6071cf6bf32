package dev.gantry.shared.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.testing.Http;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTest {
    /** A tiny API to route to. */
    static final class Api {
        Response echo(Request r) {
            JsonBody in = r.json();
            String name = in.requiredString("name", 1, 10);
            in.done();
            return Response.created(Map.of("name", name, "id", r.pathParam("id")));
        }

        Response whoami(Request r) {
            return Response.ok(Map.of("user", r.principal().userId()));
        }

        Response boom(Request r) {
            throw new IllegalStateException("secret internal detail");
        }
    }

    private final RouteTable<Api> table = RouteTable.of("test",
            Route.post("/v1/things/{id}", Access.PUBLIC, Api::echo),
            Route.get("/v1/whoami", Access.VIEWER, Api::whoami),
            Route.post("/v1/admin-only", Access.ADMIN, Api::whoami),
            Route.get("/v1/boom", Access.PUBLIC, Api::boom));

    private final Router<Api> router = new Router<>(table, new Api(), request -> {
        String auth = request.header("authorization");
        if (auth == null) throw ApiException.unauthorized("no token");
        return Principal.user("usr_1", "ws_1", Role.DEVELOPER, "ses_1");
    }, 1024);

    private APIGatewayV2HTTPResponse call(String method, String path, String body, Map<String, String> headers) {
        return router.handle(Http.event(method, path, body, headers));
    }

    private static void assertError(APIGatewayV2HTTPResponse r, int status, String code) {
        assertThat(r.getStatusCode()).isEqualTo(status);
        JsonNode body = Http.json(r);
        assertThat(body.get("error").asText()).isEqualTo(code);
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(body.get("request_id").asText()).startsWith("req_").isEqualTo(r.getHeaders().get("X-Request-Id"));
    }

    @Test
    void routesWithPathParametersAndRendersJson() {
        var r = call("POST", "/v1/things/abc", "{\"name\":\"x\"}", null);
        assertThat(r.getStatusCode()).isEqualTo(201);
        assertThat(r.getHeaders()).containsEntry("Content-Type", "application/json; charset=utf-8").containsKey("X-Request-Id");
        assertThat(Http.json(r).get("id").asText()).isEqualTo("abc");
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() {
        assertError(call("GET", "/v1/nothing", null, null), 404, "not_found");
        var r = call("DELETE", "/v1/things/abc", null, null);
        assertError(r, 405, "method_not_allowed");
        assertThat(r.getHeaders()).containsEntry("Allow", "POST");
    }

    @Test
    void oversizeBodyIs413() {
        assertError(call("POST", "/v1/things/a", "{\"name\":\"" + "x".repeat(2000) + "\"}", null), 413, "payload_too_large");
    }

    @Test
    void wrongContentTypeIs415() {
        assertError(call("POST", "/v1/things/a", "{\"name\":\"x\"}", Map.of("content-type", "text/plain")), 415, "unsupported_media_type");
        assertError(call("POST", "/v1/things/a", "{\"name\":\"x\"}", Map.of("content-type", "application/json; charset=latin1")), 415, "unsupported_media_type");
        assertThat(call("POST", "/v1/things/a", "{\"name\":\"x\"}", Map.of("content-type", "Application/JSON; charset=UTF-8")).getStatusCode()).isEqualTo(201);
    }

    @Test
    void badJsonIsMalformedJsonAndBadFieldsAreValidationErrors() {
        assertError(call("POST", "/v1/things/a", "{nope", null), 400, "malformed_json");
        var r = call("POST", "/v1/things/a", "{\"name\":5,\"x\":1}", null);
        assertError(r, 400, "validation_error");
        assertThat(Http.json(r).at("/details/fields")).hasSize(2);
    }

    @Test
    void base64BodiesAreDecodedAndBadBase64IsRejected() {
        var event = Http.event("POST", "/v1/things/a", Base64.getEncoder().encodeToString("{\"name\":\"b64\"}".getBytes()), null);
        event.setIsBase64Encoded(true);
        assertThat(Http.json(router.handle(event)).get("name").asText()).isEqualTo("b64");
        var bad = Http.event("POST", "/v1/things/a", "%%%not base64", null);
        bad.setIsBase64Encoded(true);
        assertError(router.handle(bad), 400, "malformed_json");
    }

    @Test
    void authenticationAndRolesAreEnforced() {
        assertError(call("GET", "/v1/whoami", null, null), 401, "unauthorized");
        assertThat(Http.json(call("GET", "/v1/whoami", null, Map.of("authorization", "Bearer x"))).get("user").asText()).isEqualTo("usr_1");
        assertError(call("POST", "/v1/admin-only", null, Map.of("authorization", "Bearer x")), 403, "forbidden");
    }

    @Test
    void getsCarryAStrongEtagAndAMatchingIfNoneMatchIs304() {
        var first = call("GET", "/v1/whoami", null, Map.of("authorization", "Bearer x"));
        String etag = first.getHeaders().get("ETag");
        assertThat(etag).matches("^\"[A-Za-z0-9_-]{22}\"$");
        var again = call("GET", "/v1/whoami", null, Map.of("authorization", "Bearer x", "if-none-match", "\"other\", " + etag));
        assertThat(again.getStatusCode()).isEqualTo(304);
        assertThat(again.getBody()).isNull();
        assertThat(again.getHeaders()).containsEntry("ETag", etag).containsKey("X-Request-Id");
        assertThat(call("GET", "/v1/whoami", null, Map.of("authorization", "Bearer x", "if-none-match", "\"stale\"")).getStatusCode()).isEqualTo(200);
    }

    @Test
    void unexpectedErrorsAreAnOpaque500() {
        var r = call("GET", "/v1/boom", null, null);
        assertError(r, 500, "internal_error");
        assertThat(r.getBody()).doesNotContain("secret internal detail").doesNotContain("IllegalStateException");
    }

    @Test
    void anEventWithoutMethodIsA400NotA500() {
        var e = Http.event("GET", "/health", null, null);
        e.getRequestContext().getHttp().setMethod(null);
        assertThat(router.handle(e).getStatusCode()).isEqualTo(400);
    }
}

package dev.gantry.shared.limits;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Access;
import dev.gantry.shared.http.Response;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.http.RouteTable;
import dev.gantry.shared.http.Router;
import dev.gantry.shared.testing.Http;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the router applies the limiter, with a scripted limiter: who is asked on which route, the
 * headers on every answer of a limited route (success and error alike), the 429 and the 503.
 */
class RouterRateLimitsTest {
    static final class Api {
        Response ok(dev.gantry.shared.http.Request r) { return Response.ok(Map.of("ok", true)); }
        Response missing(dev.gantry.shared.http.Request r) { throw ApiException.notFound("thing"); }
    }

    /** Answers with whatever the test sets, and records who asked. */
    static final class ScriptedLimiter implements RateLimiter {
        RateLimitDecision next = admitted(7);
        final List<String> asked = new ArrayList<>();

        @Override public RateLimitDecision forWorkspace(String workspaceId) {
            asked.add("workspace " + workspaceId);
            return next;
        }

        @Override public RateLimitDecision forClientAddress(String sourceIp) {
            asked.add("address " + sourceIp);
            return next.policy() == null ? next
                    : new RateLimitDecision(next.outcome(), "ip", 20, next.remaining(), next.resetSeconds(), 1, 0);
        }
    }

    static RateLimitDecision admitted(long remaining) {
        return new RateLimitDecision(RateLimitDecision.Outcome.ADMITTED, "plan", 50, remaining, remaining == 0 ? 2 : 0, 1, 0);
    }

    private final ScriptedLimiter limiter = new ScriptedLimiter();
    private final Router<Api> router = new Router<>(RouteTable.of("test",
            Route.get("/health", Access.PUBLIC, Api::ok),
            Route.post("/v1/auth/login", Access.PUBLIC_PER_IP, Api::ok),
            Route.get("/v1/things", Access.VIEWER, Api::ok),
            Route.get("/v1/things/{id}", Access.VIEWER, Api::missing),
            Route.post("/v1/admin", Access.ADMIN, Api::ok)),
            new Api(), request -> {
                if (request.header("authorization") == null) throw ApiException.unauthorized("no token");
                return Principal.user("usr_1", "ws_1", Role.DEVELOPER, "ses_1");
            }, Router.DEFAULT_MAX_BODY_BYTES, null, limiter);

    private APIGatewayV2HTTPResponse call(String method, String path, Map<String, String> headers) {
        return router.handle(Http.event(method, path, method.equals("POST") ? "{}" : null, headers));
    }

    private static final Map<String, String> TOKEN = Map.of("authorization", "Bearer x");

    @Test
    void publicReadsAreNotLimited() {
        var r = call("GET", "/health", null);
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(limiter.asked).isEmpty();
        assertThat(r.getHeaders()).doesNotContainKeys("RateLimit-Limit", "RateLimit");
    }

    @Test
    void everyAuthenticatedAnswerCarriesTheHeadersSuccessAndErrorAlike() {
        for (var r : List.of(call("GET", "/v1/things", TOKEN), call("GET", "/v1/things/x", TOKEN), call("POST", "/v1/admin", TOKEN))) {
            assertThat(r.getHeaders()).containsEntry("RateLimit-Limit", "50").containsEntry("RateLimit-Remaining", "7")
                    .containsEntry("RateLimit-Reset", "0").containsEntry("RateLimit-Policy", "\"plan\";q=50;w=60")
                    .containsEntry("RateLimit", "\"plan\";r=7;t=0").containsKey("X-Request-Id");
        }
        assertThat(call("GET", "/v1/things/x", TOKEN).getStatusCode()).isEqualTo(404);
        assertThat(call("POST", "/v1/admin", TOKEN).getStatusCode()).isEqualTo(403);
        assertThat(limiter.asked).allMatch("workspace ws_1"::equals);
    }

    @Test
    void anUnauthenticatedRequestSpendsNoWorkspaceToken() {
        var r = call("GET", "/v1/things", null);
        assertThat(r.getStatusCode()).isEqualTo(401);
        assertThat(limiter.asked).isEmpty();
        assertThat(r.getHeaders()).doesNotContainKey("RateLimit");
    }

    @Test
    void aRejectionIs429WithRetryAfterAndTheEnvelopeAndTheRouteDoesNotRun() {
        limiter.next = new RateLimitDecision(RateLimitDecision.Outcome.REJECTED, "plan", 50, 0, 3, 1, 0);
        var r = call("GET", "/v1/things", TOKEN);
        assertThat(r.getStatusCode()).isEqualTo(429);
        var body = Http.json(r);
        assertThat(body.get("error").asText()).isEqualTo("rate_limited");
        assertThat(body.get("request_id").asText()).isEqualTo(r.getHeaders().get("X-Request-Id"));
        assertThat(r.getHeaders()).containsEntry("Retry-After", "3").containsEntry("RateLimit-Remaining", "0")
                .containsEntry("RateLimit-Reset", "3");
    }

    @Test
    void theCredentialRoutesAreLimitedByApiGatewaysSourceIpNeverAHeader() {
        var r = call("POST", "/v1/auth/login", Map.of("x-forwarded-for", "198.51.100.1", "x-real-ip", "198.51.100.1"));
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(limiter.asked).containsExactly("address 203.0.113.7");
        assertThat(r.getHeaders()).containsEntry("RateLimit-Policy", "\"ip\";q=20;w=60");
    }

    @Test
    void failingOpenServesWithoutHeadersAndFailingClosedIs503() {
        limiter.next = RateLimitDecision.failedOpen();
        var open = call("GET", "/v1/things", TOKEN);
        assertThat(open.getStatusCode()).isEqualTo(200);
        assertThat(open.getHeaders()).doesNotContainKey("RateLimit");
        limiter.next = RateLimitDecision.failedClosed();
        var closed = call("POST", "/v1/auth/login", null);
        assertThat(closed.getStatusCode()).isEqualTo(503);
        assertThat(Http.json(closed).get("error").asText()).isEqualTo("unavailable");
        assertThat(closed.getHeaders()).containsEntry("Retry-After", "1");
    }
}

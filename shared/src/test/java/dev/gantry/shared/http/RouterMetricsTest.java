package dev.gantry.shared.http;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.limits.RateLimitDecision;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.testing.Http;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** What the router records through the metrics port for each request: by route template, never by path. */
class RouterMetricsTest {
    record Point(String name, double value, Metrics.Unit unit, Map<String, String> dimensions) {}

    /** The port, recording. */
    static final class Recording implements Metrics {
        final List<Point> points = new ArrayList<>();

        @Override
        public void put(String name, double value, Unit unit, Map<String, String> dimensions) {
            points.add(new Point(name, value, unit, Map.copyOf(dimensions)));
        }

        Map<String, Double> byName(Map<String, String> dimensions) {
            return points.stream().filter(p -> p.dimensions().equals(dimensions))
                    .collect(Collectors.toMap(Point::name, Point::value, Double::sum));
        }
    }

    static final class Api {
        Response ok(Request r) { return Response.ok(Map.of("id", r.pathParam("id"))); }
        Response boom(Request r) { throw new IllegalStateException("an internal detail"); }
    }

    private final Recording metrics = new Recording();
    private boolean reject;
    private final RateLimiter limiter = new RateLimiter() {
        @Override public RateLimitDecision forWorkspace(String workspaceId) {
            return new RateLimitDecision(reject ? RateLimitDecision.Outcome.REJECTED : RateLimitDecision.Outcome.ADMITTED, "plan", 10, 0, 6, 1, 0);
        }
        @Override public RateLimitDecision forClientAddress(String sourceIp) { return RateLimitDecision.NOT_LIMITED; }
    };
    private final Router<Api> router = new Router<>(RouteTable.of("test",
            Route.get("/v1/things/{id}", Access.VIEWER, Api::ok),
            Route.get("/v1/boom", Access.PUBLIC, Api::boom)),
            new Api(), request -> {
                if (request.header("authorization") == null) throw ApiException.unauthorized("no token");
                return Principal.user("usr_1", "ws_1", Role.DEVELOPER, "ses_1");
            }, Router.DEFAULT_MAX_BODY_BYTES, null, limiter, metrics);

    private int call(String method, String path, boolean token) {
        return router.handle(Http.event(method, path, null, token ? Map.of("authorization", "Bearer x") : Map.of())).getStatusCode();
    }

    @Test
    void aSuccessIsOneRequestUnderItsTemplateWithNoErrors() {
        assertThat(call("GET", "/v1/things/thg_secret123", true)).isEqualTo(200);
        Map<String, Double> route = metrics.byName(Map.of("Route", "GET:/v1/things/{id}"));
        assertThat(route).containsEntry("Requests", 1.0).containsEntry("ClientErrors", 0.0).containsEntry("ServerErrors", 0.0)
                .containsEntry("RateLimited", 0.0).containsKey("Latency");
        assertThat(metrics.points).filteredOn(p -> p.name().equals("Latency")).singleElement()
                .satisfies(p -> assertThat(p.unit()).isEqualTo(Metrics.Unit.MILLISECONDS));
        assertThat(metrics.points).noneMatch(p -> p.name().equals("ErrorResponses"));
        assertThat(metrics.points.toString()).doesNotContain("thg_secret123");
    }

    @Test
    void errorsCountByClassAndByCode() {
        assertThat(call("GET", "/v1/things/x", false)).isEqualTo(401);
        assertThat(call("GET", "/v1/boom", false)).isEqualTo(500);
        assertThat(call("GET", "/v1/nothing/here", false)).isEqualTo(404);

        assertThat(metrics.byName(Map.of("Route", "GET:/v1/things/{id}"))).containsEntry("ClientErrors", 1.0).containsEntry("ServerErrors", 0.0);
        assertThat(metrics.byName(Map.of("Route", "GET:/v1/boom"))).containsEntry("ServerErrors", 1.0).containsEntry("ClientErrors", 0.0);
        assertThat(metrics.byName(Map.of("Route", "unmatched"))).containsEntry("Requests", 1.0).containsEntry("ClientErrors", 1.0);
        assertThat(metrics.byName(Map.of("ErrorCode", "internal_error"))).containsEntry("ErrorResponses", 1.0);
        assertThat(metrics.byName(Map.of("ErrorCode", "not_found"))).containsEntry("ErrorResponses", 1.0);
        assertThat(metrics.points.stream().filter(p -> p.dimensions().containsKey("ErrorCode")).count()).isEqualTo(3);
        assertThat(metrics.points.toString()).doesNotContain("/v1/nothing/here");
    }

    @Test
    void aRateLimitRejectionIsRateLimitedAndAClientError() {
        reject = true;
        assertThat(call("GET", "/v1/things/x", true)).isEqualTo(429);
        assertThat(metrics.byName(Map.of("Route", "GET:/v1/things/{id}"))).containsEntry("RateLimited", 1.0).containsEntry("ClientErrors", 1.0);
        assertThat(metrics.byName(Map.of("ErrorCode", "rate_limited"))).containsEntry("ErrorResponses", 1.0);
    }

    @Test
    void theRouteDimensionIsTheTemplateWithoutWhitespace() {
        assertThat(Router.routeDimension("GET /v1/members/{user_id}")).isEqualTo("GET:/v1/members/{user_id}");
        assertThat(Router.routeDimension("-")).isEqualTo("unmatched");
    }
}

package dev.gantry.functions.identity;

import dev.gantry.shared.http.Access;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route of the table is under the rate-limit rule it declares: each answer of a limited
 * route (authenticated, or per client address) carries the five RateLimit headers, whatever its
 * status; the public reads carry none. The table is enumerated, so a new route is covered.
 */
class RateLimitCoverageIT {
    @Test
    void everyRouteAnswersWithTheHeadersItsAccessDeclares() {
        IdentityClient api = new IdentityClient(new IdentityHandler(TestStack.newWiring()));
        String token = api.signup("coverage-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Coverage").text("/token");
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"team\"}", token).expect(200);

        List<Route<IdentityApi>> routes = new ArrayList<>(IdentityRoutes.TABLE.routes());
        routes.sort(Comparator.comparing(r -> r.routeKey().equals("POST /v1/auth/logout"))); // logout ends the token: last
        List<String> wrong = new ArrayList<>();
        for (Route<IdentityApi> r : routes) {
            String path = r.path().template().replaceAll("\\{[^}]+}", "x_01j9zzzzzzzzzzzzzzzzzzzzzz");
            String body = r.method().equals("GET") || r.method().equals("DELETE") ? null : "{}";
            Reply reply = api.call(r.method(), path, body, r.access().isPublic() ? null : token);
            boolean limited = r.access() != Access.PUBLIC;
            boolean hasHeaders = reply.header("RateLimit-Policy") != null && reply.header("RateLimit-Limit") != null
                    && reply.header("RateLimit-Remaining") != null && reply.header("RateLimit-Reset") != null && reply.header("RateLimit") != null;
            if (limited != hasHeaders) wrong.add(r.routeKey() + " -> " + reply.status() + (limited ? " without" : " with") + " RateLimit headers");
            if (limited && hasHeaders) {
                String policy = r.access() == Access.PUBLIC_PER_IP ? "\"ip\"" : "\"plan\"";
                if (!reply.header("RateLimit-Policy").startsWith(policy)) wrong.add(r.routeKey() + " policy " + reply.header("RateLimit-Policy"));
            }
        }
        assertThat(wrong).isEmpty();
    }
}

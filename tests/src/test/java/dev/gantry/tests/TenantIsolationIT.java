package dev.gantry.tests;

import dev.gantry.functions.Catalog;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two workspaces. For every authenticated route that takes an id, workspace A's owner names
 * workspace B's resource and gets exactly what a missing id gets (404), and B's resource is
 * unchanged afterwards. The test walks the route tables: a new route with a path parameter and no
 * entry in {@link #probes} fails {@link #everyRouteWithAnIdIsProbed()}.
 */
class TenantIsolationIT {
    /** Public routes whose ids are not workspace resources. */
    private static final Set<String> NOT_TENANT_SCOPED = Set.of("GET /v1/plans/{name}");

    /** How to probe one route: B's path, a body for writes, and B's view of the resource before and after. */
    record Probe(String path, String body, String snapshotPath) {}

    private static String aToken;
    private static String bToken;
    private static Map<String, Probe> probes;

    @BeforeAll
    static void twoWorkspaces() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        aToken = signup("a-" + suffix).text("/token");
        var b = signup("b-" + suffix);
        bToken = b.text("/token");
        var bMember = signup("b-member-" + suffix);
        call("POST", "/v1/subscription/change", "{\"plan\":\"hobby\"}", bToken).expect(200);
        call("POST", "/v1/members", "{\"email\":\"" + bMember.text("/user/email") + "\",\"role\":\"developer\"}", bToken).expect(201);
        String bMemberId = bMember.text("/user/id");
        String bKeyId = call("POST", "/v1/api-keys", "{\"name\":\"b-key\"}", bToken).expect(201).text("/id");

        probes = new LinkedHashMap<>();
        probes.put("GET /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, null, "/v1/members"));
        probes.put("PATCH /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, "{\"role\":\"viewer\"}", "/v1/members"));
        probes.put("DELETE /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, null, "/v1/members"));
        probes.put("GET /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, null, "/v1/api-keys/" + bKeyId));
        probes.put("PATCH /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, "{\"name\":\"stolen\"}", "/v1/api-keys/" + bKeyId));
        probes.put("DELETE /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, null, "/v1/api-keys/" + bKeyId));
    }

    private static Reply signup(String who) {
        return call("POST", "/v1/auth/signup",
                "{\"email\":\"" + who + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"" + who + "\"}", null).expect(201);
    }

    private static List<Route<?>> routesWithIds() {
        List<Route<?>> out = new ArrayList<>();
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            for (Route<?> r : spec.routes().routes()) {
                if (!r.path().parameterNames().isEmpty() && !NOT_TENANT_SCOPED.contains(r.routeKey())) out.add(r);
            }
        }
        return out;
    }

    @Test
    void everyRouteWithAnIdIsProbed() {
        assertThat(probes.keySet()).containsExactlyInAnyOrderElementsOf(routesWithIds().stream().map(Route::routeKey).toList());
        for (String key : NOT_TENANT_SCOPED) {
            assertThat(Catalog.API_FUNCTIONS.stream().flatMap(f -> f.routes().routes().stream())
                    .filter(r -> r.routeKey().equals(key)).findFirst().orElseThrow().access().isPublic())
                    .as("%s is exempt only because it is public", key).isTrue();
        }
    }

    @Test
    void anotherWorkspacesIdsAreNotFoundAndNothingOfThemChanges() {
        for (Route<?> route : routesWithIds()) {
            Probe probe = probes.get(route.routeKey());
            String before = call("GET", probe.snapshotPath(), null, bToken).expect(200).raw();

            Reply reply = call(route.method(), probe.path(), probe.body(), aToken);
            assertThat(reply.status()).as("%s with another workspace's id", route.routeKey()).isEqualTo(404);
            assertThat(reply.text("/error")).endsWith("not_found");
            assertThat(reply.raw()).doesNotContain(probe.path().substring(probe.path().lastIndexOf('/') + 1));

            // the same route with an id that exists nowhere answers the same way
            String missing = probe.path().substring(0, probe.path().lastIndexOf('/') + 1)
                    + probe.path().substring(probe.path().lastIndexOf('/') + 1, probe.path().lastIndexOf('/') + 4) + "01j9zzzzzzzzzzzzzzzzzzzzzz";
            Reply none = call(route.method(), missing, probe.body(), aToken);
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.text("/error")).isEqualTo(reply.text("/error"));

            String after = call("GET", probe.snapshotPath(), null, bToken).expect(200).raw();
            assertThat(after).as("B's resource after %s", route.routeKey()).isEqualTo(before);
        }
    }
}

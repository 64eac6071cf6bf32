package dev.gantry.tests;

import dev.gantry.functions.Catalog;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.functions.FunctionSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One route table, three users. The CDK half lives in infra-cdk's GantryStackTest (its API
 * Gateway routes equal the tables); this half proves the local server serves every route of every
 * function in the catalog: no route answers the router's "no route" 404 or a 405.
 */
class RouteAgreementIT {
    @Test
    void theLocalServerServesEveryRouteOfEveryFunction() {
        LocalServer server = LocalGantry.server();
        assertThat(server.functions()).containsExactlyElementsOf(Catalog.API_FUNCTIONS);
        List<String> unserved = new ArrayList<>();
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            for (String key : spec.routes().routeKeys()) {
                String method = key.substring(0, key.indexOf(' '));
                String path = key.substring(key.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "usr_01j9zzzzzzzzzzzzzzzzzzzzzz");
                var reply = LocalGantry.call(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}", null);
                boolean noRoute = reply.status() == 405 || (reply.status() == 404 && "not_found".equals(reply.text("/error")));
                if (noRoute) unserved.add(key + " -> " + reply.status());
            }
        }
        assertThat(unserved).as("routes the local server does not serve").isEmpty();
        // and an unknown path is the router's own 404 envelope, with a request id
        LocalGantry.call("GET", "/v1/no-such-thing", null, null).expectError(404, "not_found");
    }
}

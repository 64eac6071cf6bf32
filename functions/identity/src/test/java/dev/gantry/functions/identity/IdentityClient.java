package dev.gantry.functions.identity;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.Reply;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Calls the real handler with API Gateway events, the way `sam local invoke` would. */
final class IdentityClient {
    final IdentityHandler handler;

    IdentityClient(IdentityHandler handler) {
        this.handler = handler;
    }

    Reply call(String method, String path, String body, String token) {
        return call(method, path, body, token == null ? Map.of() : Http.bearer(token));
    }

    Reply call(String method, String path, String body, Map<String, String> headers) {
        APIGatewayV2HTTPResponse r = handler.handleRequest(Http.event(method, path, body, new HashMap<>(headers)), null);
        assertThat(r.getStatusCode()).as("never a 500: %s %s -> %s", method, path, r.getBody()).isNotEqualTo(500);
        return new Reply(r.getStatusCode(), r.getHeaders(), Http.json(r), r.getBody());
    }

    /** Signs up and answers the signup response. */
    Reply signup(String email, String name) {
        return call("POST", "/v1/auth/signup",
                "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"" + name + "\"}", Map.of()).expect(201);
    }
}

package dev.gantry.functions.identity;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** Every sample event in events/identity, invoked on the real handler as `sam local invoke -e` would. */
class IdentityEventsIT {
    private static final ObjectMapper EVENTS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static IdentityHandler handler;
    private static DynamoCallCounter calls;

    @BeforeAll
    static void start() {
        calls = new DynamoCallCounter();
        handler = new IdentityHandler(TestStack.newWiring(Clock.systemUTC(), calls));
    }

    static APIGatewayV2HTTPEvent load(String name, String token) throws IOException {
        try (InputStream in = IdentityEventsIT.class.getResourceAsStream("/events/identity/" + name)) {
            assertThat(in).as("events/identity/%s exists", name).isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (token != null) text = text.replace("{{token}}", token);
            return EVENTS.readValue(text, APIGatewayV2HTTPEvent.class);
        }
    }

    private static APIGatewayV2HTTPResponse invoke(String name, String token) throws IOException {
        return handler.handleRequest(load(name, token), null);
    }

    @Test
    void theSampleEventsAreAnsweredAsTheContractSays() throws IOException {
        assertThat(invoke("health.json", null).getBody()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(Http.json(invoke("plans-list.json", null)).get("data")).hasSize(4);
        var malformed = invoke("signup-malformed.json", null);
        assertThat(malformed.getStatusCode()).isEqualTo(400);
        assertThat(Http.json(malformed).get("error").asText()).isEqualTo("malformed_json");

        var signup = invoke("signup.json", null);
        assertThat(signup.getStatusCode()).isEqualTo(201);
        String token = Http.json(signup).get("token").asText();

        var me = invoke("me.json", token);
        assertThat(me.getStatusCode()).isEqualTo(200);
        assertThat(Http.json(me).get("email").asText()).isEqualTo("event-fixture@example.com");

        var audit = invoke("audit-log-page.json", token);
        assertThat(audit.getStatusCode()).isEqualTo(200);
        assertThat(Http.json(audit).get("data").get(0).get("action").asText()).isEqualTo("user.signed_up");
        // The client IP is API Gateway's sourceIp, never X-Forwarded-For (the event carries both).
        assertThat(Http.json(audit).get("data").get(0).get("ip").asText()).isEqualTo("203.0.113.7");
    }

    /** The figure in BENCHMARKS.md: /v1/me costs two DynamoDB reads, both BatchGetItem, and the rate limiter's one write. */
    @Test
    void meCostsTwoReadsAndOneRateLimitWrite() throws IOException {
        var signup = handler.handleRequest(Http.event("POST", "/v1/auth/signup",
                "{\"email\":\"count-calls@example.com\",\"password\":\"correct horse battery\",\"name\":\"C\"}", null), null);
        String token = Http.json(signup).get("token").asText();
        calls.reset();
        var me = invoke("me.json", token);
        assertThat(me.getStatusCode()).isEqualTo(200);
        // 1: session + membership (authentication, strongly consistent); 2: the workspace's rate limit bucket
        // (one conditional UpdateItem, docs/rate-limits.md); 3: user + workspace (the answer)
        assertThat(calls.operations()).containsExactly("BatchGetItem", "UpdateItem", "BatchGetItem");
    }
}

package dev.gantry.functions.identity;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.limits.RateLimitPolicy;
import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.LogCapture;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate limits of API.md §1 through the real handler, with the production policies: a token
 * bucket per workspace sized by plan, per client address on the credential routes, the five
 * headers on every authenticated answer, 429 with Retry-After, a plan change applied from the next
 * request, and what happens when DynamoDB throttles the limiter's own write.
 */
class RateLimitsIT {
    private static final MovableClock CLOCK = new MovableClock();
    private static final DynamoCallCounter CALLS = new DynamoCallCounter();
    private static final AtomicInteger ADDRESSES = new AtomicInteger();
    private static IdentityHandler handler;

    @BeforeAll
    static void start() {
        Wiring wiring = TestStack.newWiring(CLOCK, CALLS);
        wiring.rateLimiter(wiring.tokenBucketLimiter(RateLimitPolicy.CLIENT_IP)); // production, not TestStack's shared-address size
        handler = new IdentityHandler(wiring);
    }

    @BeforeEach
    void resetCalls() {
        CALLS.reset();
    }

    /** A client address no other test uses. */
    private static String newAddress() {
        return "198.51.100." + ADDRESSES.incrementAndGet();
    }

    private static Reply call(IdentityHandler h, String method, String path, String body, String token, String sourceIp, Map<String, String> extra) {
        Map<String, String> headers = new HashMap<>(extra);
        if (token != null) headers.put("authorization", "Bearer " + token);
        APIGatewayV2HTTPEvent event = Http.event(method, path, body, headers);
        event.getRequestContext().getHttp().setSourceIp(sourceIp);
        APIGatewayV2HTTPResponse r = h.handleRequest(event, null);
        assertThat(r.getStatusCode()).as("never a 500: %s", r.getBody()).isNotEqualTo(500);
        return new Reply(r.getStatusCode(), r.getHeaders(), Http.json(r), r.getBody());
    }

    private static Reply call(String method, String path, String body, String token) {
        return call(handler, method, path, body, token, "203.0.113.50", Map.of());
    }

    private static String signup(IdentityHandler h) {
        String email = "limits-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        return call(h, "POST", "/v1/auth/signup", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"L\"}",
                null, newAddress(), Map.of()).expect(201).text("/token");
    }

    private static void assertHeaders(Reply r, String policy, int limit, long remaining, long reset) {
        assertThat(r.header("RateLimit-Limit")).isEqualTo(Integer.toString(limit));
        assertThat(r.header("RateLimit-Remaining")).isEqualTo(Long.toString(remaining));
        assertThat(r.header("RateLimit-Reset")).isEqualTo(Long.toString(reset));
        assertThat(r.header("RateLimit-Policy")).isEqualTo("\"" + policy + "\";q=" + limit + ";w=60");
        assertThat(r.header("RateLimit")).isEqualTo("\"" + policy + "\";r=" + remaining + ";t=" + reset);
    }

    @Test
    void everyAuthenticatedAnswerCarriesEachHeaderSuccessAndErrorAlike() {
        String token = signup(handler);
        assertHeaders(call("GET", "/v1/me", null, token).expect(200), "plan", 50, 49, 0);
        assertHeaders(call("GET", "/v1/members/usr_01j9zzzzzzzzzzzzzzzzzzzzzz", null, token).expectError(404, "member_not_found"), "plan", 50, 48, 0);
        assertHeaders(call("PATCH", "/v1/workspace", "{\"name\":7}", token).expectError(400, "validation_error"), "plan", 50, 47, 0);
        String viewerKey = call("POST", "/v1/api-keys", "{\"name\":\"ro\",\"role\":\"viewer\"}", token).expect(201).text("/token");
        assertHeaders(call("POST", "/v1/members", "{\"email\":\"x@example.com\",\"role\":\"viewer\"}", viewerKey).expectError(403, "forbidden"),
                "plan", 50, 45, 0);
        // Public reads are not limited: no headers, no DynamoDB call.
        CALLS.reset();
        var plans = call("GET", "/v1/plans", null, null).expect(200);
        assertThat(plans.header("RateLimit")).isNull();
        assertThat(plans.header("RateLimit-Limit")).isNull();
        assertThat(call("GET", "/health", null, null).expect(200).header("RateLimit")).isNull();
        assertThat(CALLS.count()).isZero();
        // A request whose credential fails spends nothing and says nothing about any bucket.
        assertThat(call("GET", "/v1/me", null, "not-a-token").expectError(401, "unauthorized").header("RateLimit")).isNull();
    }

    @Test
    void anEmptyBucketAnswers429WithRetryAfterAndTheRouteDoesNotRun() {
        String token = signup(handler);
        for (int i = 1; i <= 50; i++) {
            var r = call("GET", "/v1/me", null, token).expect(200);
            assertThat(r.header("RateLimit-Remaining")).isEqualTo(Integer.toString(50 - i));
        }
        CALLS.reset();
        var rejected = call("GET", "/v1/me", null, token).expectError(429, "rate_limited");
        assertThat(rejected.header("Retry-After")).isEqualTo("2"); // free: one token every 2 s
        assertHeaders(rejected, "plan", 50, 0, 2);
        assertThat(rejected.text("/message")).isEqualTo("Too many requests for this workspace; retry in 2 seconds.");
        // Authentication, then the limiter's one (failed, conditional) write; the route never ran.
        assertThat(CALLS.operations()).containsExactly("BatchGetItem", "UpdateItem");

        CLOCK.now = CLOCK.now.plus(Duration.ofMillis(1999));
        assertThat(call("GET", "/v1/me", null, token).expectError(429, "rate_limited").header("Retry-After")).isEqualTo("1");
        CLOCK.now = CLOCK.now.plus(Duration.ofMillis(1));
        assertHeaders(call("GET", "/v1/me", null, token).expect(200), "plan", 50, 0, 2);
    }

    @Test
    void aPlanChangeAppliesFromTheNextRequest() {
        String token = signup(handler);
        assertHeaders(call("GET", "/v1/me", null, token).expect(200), "plan", 50, 49, 0);
        var change = call("POST", "/v1/subscription/change", "{\"plan\":\"hobby\"}", token).expect(200);
        assertThat(change.header("RateLimit-Limit")).as("decided before the change").isEqualTo("50");
        // Two free tokens spent (4 s) plus this one at hobby (0.6 s): 4.6 s is 8 hobby intervals (rounded up).
        assertHeaders(call("GET", "/v1/me", null, token).expect(200), "plan", 200, 192, 0);
        call("POST", "/v1/subscription/change", "{\"plan\":\"free\"}", token).expect(200);
        assertThat(call("GET", "/v1/me", null, token).expect(200).header("RateLimit-Limit")).isEqualTo("50");
    }

    @Test
    void theCredentialRoutesAreLimitedPerClientAddressNeverByAHeader() {
        String attacker = newAddress(), bystander = newAddress();
        String guess = "{\"email\":\"victim@example.com\",\"password\":\"guess guess guess\"}";
        Map<String, String> spoof = Map.of("x-forwarded-for", bystander, "x-real-ip", bystander, "forwarded", "for=" + bystander);
        for (int i = 1; i <= 20; i++) {
            var r = call(handler, "POST", "/v1/auth/login", guess, null, attacker, spoof).expectError(401, "invalid_credentials");
            assertHeaders(r, "ip", 20, 20 - i, i == 20 ? 6 : 0);
        }
        var blocked = call(handler, "POST", "/v1/auth/login", guess, null, attacker, spoof).expectError(429, "rate_limited");
        assertThat(blocked.header("Retry-After")).isEqualTo("6"); // 10/min: one attempt every 6 s
        assertThat(blocked.text("/message")).isEqualTo("Too many requests from this address; retry in 6 seconds.");
        // One bucket for all the credential routes of an address.
        call(handler, "POST", "/v1/auth/refresh", "{\"refresh_token\":\"grt_x\"}", null, attacker, Map.of()).expectError(429, "rate_limited");
        call(handler, "POST", "/v1/auth/signup", "{}", null, attacker, Map.of()).expectError(429, "rate_limited");
        call(handler, "GET", "/v1/auth/github/start", null, null, attacker, Map.of()).expectError(429, "rate_limited");
        // The address the attacker named in headers is untouched.
        assertHeaders(call(handler, "POST", "/v1/auth/login", guess, null, bystander, Map.of()).expectError(401, "invalid_credentials"),
                "ip", 20, 19, 0);
        CLOCK.now = CLOCK.now.plusSeconds(6);
        call(handler, "POST", "/v1/auth/login", guess, null, attacker, Map.of()).expectError(401, "invalid_credentials");
    }

    @Test
    void anIpv6ClientIsLimitedPerSlash64() {
        String guess = "{\"email\":\"victim@example.com\",\"password\":\"guess guess guess\"}";
        for (int i = 1; i <= 20; i++) {
            call(handler, "POST", "/v1/auth/login", guess, null, "2001:db8:77:1::" + Integer.toHexString(i), Map.of())
                    .expectError(401, "invalid_credentials");
        }
        call(handler, "POST", "/v1/auth/login", guess, null, "2001:db8:77:1:ffff:ffff:ffff:ffff", Map.of()).expectError(429, "rate_limited");
        call(handler, "POST", "/v1/auth/login", guess, null, "2001:db8:77:2::1", Map.of()).expectError(401, "invalid_credentials");
    }

    /** An interceptor that throttles the limiter's writes (UpdateItem on an RL# key) while switched on. */
    static final class ThrottleRateLimitWrites implements ExecutionInterceptor {
        final AtomicBoolean on = new AtomicBoolean();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (on.get() && context.request() instanceof UpdateItemRequest u && u.key().get("pk").s().startsWith("RL#")) {
                throw ProvisionedThroughputExceededException.builder().statusCode(400)
                        .message("The level of configured provisioned throughput for the table was exceeded.")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").serviceName("DynamoDb").build())
                        .build();
            }
        }
    }

    @Test
    void whenDynamoDbThrottlesTheLimiterWorkspacesFailOpenAndCredentialRoutesFailClosed() {
        ThrottleRateLimitWrites throttle = new ThrottleRateLimitWrites();
        String table = "gantry-test-" + UUID.randomUUID();
        TestStack.createTable(table);
        Wiring wiring = new Wiring(TestStack.config(table), CLOCK, TestStack.secrets(), List.<ExecutionInterceptor>of(throttle));
        IdentityHandler throttled = new IdentityHandler(wiring); // the production limiter: wiring.rateLimiter()
        String address = newAddress();
        String token = signup(throttled);
        String exhausted = signup(throttled);
        for (int i = 0; i < 50; i++) call(throttled, "GET", "/v1/me", null, exhausted, address, Map.of()).expect(200);
        call(throttled, "GET", "/v1/me", null, exhausted, address, Map.of()).expectError(429, "rate_limited");

        throttle.on.set(true);
        try (LogCapture logs = LogCapture.start()) {
            // Authenticated: served, without headers (nobody knows the bucket's state).
            var open = call(throttled, "GET", "/v1/me", null, token, address, Map.of()).expect(200);
            assertThat(open.header("RateLimit")).isNull();
            assertThat(open.header("RateLimit-Remaining")).isNull();
            // ...except a bucket this container last saw empty: it stays closed until its refill time.
            var stillEmpty = call(throttled, "GET", "/v1/me", null, exhausted, address, Map.of()).expectError(429, "rate_limited");
            assertThat(stillEmpty.header("Retry-After")).isEqualTo("2");
            // Credential routes: refused, so throttling the limiter cannot switch off the brute-force protection.
            var closed = call(throttled, "POST", "/v1/auth/login", "{\"email\":\"a@example.com\",\"password\":\"pw-pw-pw-pw-pw\"}", null, address, Map.of())
                    .expectError(503, "unavailable");
            assertThat(closed.header("Retry-After")).isEqualTo("1");

            var warnings = logs.events().stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(e -> e.getMessage().getFormattedMessage()).toList();
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("ProvisionedThroughputExceededException").contains("failing open"));
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("failing closed"));
            assertThat(String.join("\n", warnings)).doesNotContain(token).doesNotContain(address).doesNotContain("pw-pw-pw");
        }
        throttle.on.set(false);
        CLOCK.now = CLOCK.now.plusSeconds(2);
        assertThat(call(throttled, "GET", "/v1/me", null, exhausted, address, Map.of()).expect(200).header("RateLimit-Remaining")).isEqualTo("0");
    }
}

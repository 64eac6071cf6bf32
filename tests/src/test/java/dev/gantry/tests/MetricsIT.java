package dev.gantry.tests;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.functions.Catalog;
import dev.gantry.functions.identity.IdentityHandler;
import dev.gantry.functions.platform.PlatformHandler;
import dev.gantry.functions.webhooks.WebhookHandler;
import dev.gantry.functions.workers.DeployWorkerHandler;
import dev.gantry.functions.workers.ScanWorkerHandler;
import dev.gantry.functions.workers.WebhookDeliveryHandler;
import dev.gantry.functions.workers.WebhookFanoutHandler;
import dev.gantry.local.LocalContext;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Router;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.limits.RateLimitPolicy;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.observability.EmfMetrics;
import dev.gantry.shared.platform.Platform;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.TableDefinition;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import dev.gantry.shared.webhooks.Events;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics as CloudWatch receives them: the real handlers, each on its own wiring with the
 * Powertools EMF metrics and its own Service (as each Lambda function has), over one table in
 * DynamoDB Local, invoked with a Lambda context, with stdout captured. Requests, a 4xx, a
 * rate-limit 429, webhook deliveries (delivered and retried, to real receivers on loopback) and a
 * deploy that succeeds are each checked as EMF documents: the {@code _aws.CloudWatchMetrics}
 * directive, metric names, units, dimension sets, values. No secret and no id the run created
 * ever appears in them, and every dimension value is from a bounded set (route templates, error
 * codes, outcomes), never a raw path.
 */
class MetricsIT {
    static final String REPO = "gantry-demo/flask-app";
    static final String PASSWORD = "metrics-password-" + UUID.randomUUID();
    static final String PROVIDER_TOKEN = "simulated-hetzner-token-" + UUID.randomUUID().toString().replace("-", "");
    static final MovableClock clock = new MovableClock();
    static final List<String> secrets = new ArrayList<>(List.of(PASSWORD, PROVIDER_TOKEN));
    static final List<String> ids = new ArrayList<>();
    static final Set<String> SERVICES = Set.of("gantry-identity", "gantry-platform", "gantry-webhooks", "gantry-scan-worker",
            "gantry-deploy-worker", "gantry-webhook-fanout", "gantry-webhook-delivery");

    static RequestHandler<com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> identity, platform, webhooks;
    static Map<String, RequestHandler<SQSEvent, SQSBatchResponse>> workers = new HashMap<>();
    static final List<String[]> queued = new ArrayList<>(); // queue, body
    static HttpServer receivers;
    static String email;
    static String workspaceId;

    private PrintStream original;
    private ByteArrayOutputStream captured;

    /** One function's wiring over the shared table, with EMF metrics under its own Service. */
    static Wiring function(GantryConfig config, String name, QueueSender queue, InMemoryGitHubApp github) {
        return new Wiring(config, clock, TestStack.secrets(), List.of()).queueSender(queue).gitHubApp(github).rateLimiter(RateLimiter.NONE)
                .metrics(new EmfMetrics("Gantry", "gantry-" + name));
    }

    @BeforeAll
    static void deploy() throws Exception {
        // Log4j's console appender takes stdout when it starts: start it now, so only EMF goes to the capture.
        LoggerFactory.getLogger(MetricsIT.class).info("metrics IT starting");
        receivers = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receivers.createContext("/ok", x -> { x.sendResponseHeaders(204, -1); x.close(); });
        receivers.createContext("/broken", x -> { x.sendResponseHeaders(500, -1); x.close(); });
        receivers.start();

        String table = "gantry-metrics-" + UUID.randomUUID();
        try (DynamoDbClient admin = TestStack.adminClient()) {
            admin.createTable(TableDefinition.createTableRequest(table));
        }
        GantryConfig config = TestStack.config(table, Map.of("GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true", "GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
        QueueSender queue = (name, body, delay) -> { synchronized (queued) { queued.add(new String[] {name, body}); } };
        InMemoryGitHubApp github = new InMemoryGitHubApp().withBuilds(clock, Duration.ofSeconds(4));

        Wiring identityWiring = function(config, "identity", queue, github);
        // one request per minute per address on the anonymous routes: the second login is a 429
        identityWiring.rateLimiter(identityWiring.tokenBucketLimiter(new RateLimitPolicy("ip", 1, 1)));
        identity = new IdentityHandler(identityWiring);
        platform = new PlatformHandler(function(config, "platform", queue, github));
        webhooks = new WebhookHandler(function(config, "webhooks", queue, github));
        workers.put(Platform.SCANS_QUEUE, new ScanWorkerHandler(function(config, "scan-worker", queue, github)));
        workers.put(Platform.JOBS_QUEUE, new DeployWorkerHandler(function(config, "deploy-worker", queue, github)));
        workers.put(Events.FANOUT_QUEUE, new WebhookFanoutHandler(function(config, "webhook-fanout", queue, github)));
        workers.put(Events.DELIVERIES_QUEUE, new WebhookDeliveryHandler(function(config, "webhook-delivery", queue, github)));

        email = "metrics-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        var signup = identityWiring.authService().signup(email, PASSWORD, "Metrics", null, new Caller(null, "203.0.113.7", "req_test"));
        workspaceId = signup.workspace().id();
        ids.add(workspaceId);
        ids.add(signup.user().id());
    }

    @AfterAll
    static void stopReceivers() {
        if (receivers != null) receivers.stop(0);
    }

    @BeforeEach
    void captureStdout() {
        original = System.out;
        captured = new ByteArrayOutputStream();
        OutputStream tee = new OutputStream() {
            @Override public void write(int b) { original.write(b); captured.write(b); }
            @Override public void write(byte[] b, int off, int len) { original.write(b, off, len); captured.write(b, off, len); }
        };
        System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdoutAndCheckEveryDocument() {
        System.setOut(original);
        String all = captured.toString(StandardCharsets.UTF_8);
        for (String s : secrets) assertThat(all).as("a secret in the metrics output").doesNotContain(s);
        for (String id : ids) assertThat(all).as("an id in the metrics output").doesNotContain(id);
        for (JsonNode doc : documents()) assertBoundedDimensions(doc);
    }

    // ---- EMF reading --------------------------------------------------------------------------

    /** Every EMF document printed during the test: stdout lines carrying an _aws.CloudWatchMetrics directive. */
    List<JsonNode> documents() {
        List<JsonNode> docs = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\\R")) {
            if (!line.startsWith("{\"_aws\"")) continue;
            docs.add(Json.readTree(line));
        }
        return docs;
    }

    static JsonNode directive(JsonNode doc) {
        JsonNode directives = doc.path("_aws").path("CloudWatchMetrics");
        assertThat(directives.size()).isEqualTo(1);
        return directives.get(0);
    }

    static List<List<String>> dimensionSets(JsonNode doc) {
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode set : directive(doc).path("Dimensions")) {
            List<String> keys = new ArrayList<>();
            set.forEach(k -> keys.add(k.asText()));
            sets.add(keys);
        }
        return sets;
    }

    static String unit(JsonNode doc, String metric) {
        for (JsonNode m : directive(doc).path("Metrics")) if (m.path("Name").asText().equals(metric)) return m.path("Unit").asText();
        return null;
    }

    static double value(JsonNode doc, String metric) {
        JsonNode v = doc.path(metric);
        if (!v.isArray()) return v.asDouble();
        double sum = 0;
        for (JsonNode x : v) sum += x.asDouble();
        return sum;
    }

    /** The documents of {@code service} whose own dimension (besides Service) is {@code key = value}. */
    List<JsonNode> docs(String service, String key, String value) {
        return documents().stream()
                .filter(d -> d.path("Service").asText().equals(service) && d.path(key).asText().equals(value))
                .filter(d -> dimensionSets(d).equals(List.of(List.of("Service"), List.of(key))))
                .toList();
    }

    static final Pattern ERROR_CODE = Pattern.compile("[a-z][a-z_]*");
    static final Set<String> OUTCOMES = Set.of("delivered", "retried", "dead", "abandoned", "succeeded", "failed", "cancelled", "superseded");

    /** Every dimension value is from a bounded set: never a raw path, an id, or anything a caller typed. */
    static void assertBoundedDimensions(JsonNode doc) {
        assertThat(directive(doc).path("Namespace").asText()).isEqualTo("Gantry");
        Set<String> routes = new HashSet<>(Set.of("unmatched"));
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) spec.routes().routeKeys().forEach(k -> routes.add(Router.routeDimension(k)));
        for (List<String> set : dimensionSets(doc)) {
            for (String key : set) {
                String v = doc.path(key).asText();
                switch (key) {
                    case "Service" -> assertThat(SERVICES).as(doc.toString()).contains(v);
                    case "Route" -> assertThat(routes).as(doc.toString()).contains(v);
                    case "ErrorCode" -> assertThat(v).as(doc.toString()).matches(ERROR_CODE);
                    case "Outcome" -> assertThat(OUTCOMES).as(doc.toString()).contains(v);
                    default -> throw new AssertionError("unexpected dimension " + key + " in " + doc);
                }
            }
        }
    }

    // ---- driving the functions ----------------------------------------------------------------

    static LocalContext context(String function) {
        return new LocalContext(function, 1024, Duration.ofSeconds(29), "us-east-1");
    }

    static Reply call(RequestHandler<com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
                      String function, String method, String path, String body, String token) {
        Map<String, String> headers = new HashMap<>();
        if (token != null) headers.put("authorization", "Bearer " + token);
        APIGatewayV2HTTPResponse r = handler.handleRequest(Http.event(method, path, body, headers), context(function));
        return new Reply(r.getStatusCode(), r.getHeaders(), Http.json(r), r.getBody());
    }

    static String token() {
        Reply login = call(identity, "identity", "POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}", null);
        if (login.status() == 429) { // the test's one-a-minute address limit: wait it out on the clock
            clock.now = clock.now.plusSeconds(61);
            login = call(identity, "identity", "POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}", null);
        }
        String token = login.expect(200).text("/token");
        secrets.add(token);
        secrets.add(login.text("/refresh_token"));
        return token;
    }

    /** Hands the queued messages to their workers, one SQS batch of one message each, {@code rounds} times. */
    static void drain(int rounds) {
        for (int i = 0; i < rounds; i++) {
            List<String[]> batch;
            synchronized (queued) {
                batch = new ArrayList<>(queued);
                queued.clear();
            }
            if (batch.isEmpty()) return;
            for (String[] m : batch) {
                var worker = workers.get(m[0]);
                if (worker == null) continue; // github-events: not part of this run
                SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
                message.setMessageId(UUID.randomUUID().toString());
                message.setBody(m[1]);
                message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
                SQSEvent event = new SQSEvent();
                event.setRecords(List.of(message));
                SQSBatchResponse response = worker.handleRequest(event, context(m[0]));
                assertThat(response.getBatchItemFailures()).as("message on %s: %s", m[0], m[1]).isEmpty();
            }
        }
    }

    /** The workers and the simulated world run: clock forward, queues drained, a few times. */
    static void settle() {
        for (int i = 0; i < 8; i++) {
            drain(4);
            clock.now = clock.now.plusSeconds(5);
        }
        drain(4);
    }

    // ---- the scenarios ------------------------------------------------------------------------

    @Test
    void aRequestIsCountedUnderItsRouteTemplateWithItsLatency() {
        call(identity, "identity", "GET", "/v1/plans", null, null).expect(200);

        List<JsonNode> docs = docs("gantry-identity", "Route", "GET:/v1/plans");
        assertThat(docs).hasSize(1);
        JsonNode d = docs.get(0);
        assertThat(unit(d, "Requests")).isEqualTo("Count");
        assertThat(unit(d, "ClientErrors")).isEqualTo("Count");
        assertThat(unit(d, "ServerErrors")).isEqualTo("Count");
        assertThat(unit(d, "RateLimited")).isEqualTo("Count");
        assertThat(unit(d, "Latency")).isEqualTo("Milliseconds");
        assertThat(value(d, "Requests")).isEqualTo(1);
        assertThat(value(d, "ClientErrors")).isZero();
        assertThat(value(d, "ServerErrors")).isZero();
        assertThat(value(d, "RateLimited")).isZero();
        assertThat(value(d, "Latency")).isGreaterThanOrEqualTo(0);
        assertThat(d.path("_aws").path("Timestamp").asLong()).isPositive();
        assertThat(d.path("function_request_id").asText()).as("the Lambda request id, to find the invocation's logs").isNotBlank();
        assertThat(documents()).as("no error document for a 200").noneMatch(x -> x.has("ErrorResponses"));
    }

    @Test
    void aClientErrorCountsUnderTheTemplateNotThePathAndByItsErrorCode() {
        String token = token();
        String missing = "dep_" + UUID.randomUUID().toString().replace("-", "");
        ids.add(missing);
        Reply notFound = call(platform, "platform", "GET", "/v1/deploys/" + missing, null, token).expect(404);
        Reply unauthenticated = call(platform, "platform", "GET", "/v1/deploys", null, null).expect(401);
        call(platform, "platform", "GET", "/v1/no-such-thing/" + missing, null, token).expect(404);

        JsonNode byTemplate = docs("gantry-platform", "Route", "GET:/v1/deploys/{id}").get(0);
        assertThat(value(byTemplate, "Requests")).isEqualTo(1);
        assertThat(value(byTemplate, "ClientErrors")).isEqualTo(1);
        assertThat(value(byTemplate, "ServerErrors")).isZero();
        assertThat(value(docs("gantry-platform", "Route", "GET:/v1/deploys").get(0), "ClientErrors")).isEqualTo(1);
        assertThat(value(docs("gantry-platform", "Route", "unmatched").get(0), "ClientErrors")).as("a path no route matches").isEqualTo(1);

        JsonNode notFoundCode = docs("gantry-platform", "ErrorCode", notFound.text("/error")).get(0);
        assertThat(unit(notFoundCode, "ErrorResponses")).isEqualTo("Count");
        assertThat(value(notFoundCode, "ErrorResponses")).isEqualTo(1);
        assertThat(docs("gantry-platform", "ErrorCode", unauthenticated.text("/error"))).hasSize(1);
    }

    @Test
    void aRateLimitRejectionCountsAsRateLimitedAndAsAClientError() {
        clock.now = clock.now.plusSeconds(120); // a full bucket for the test's address
        String wrong = "{\"email\":\"" + email + "\",\"password\":\"not-the-password\"}";
        call(identity, "identity", "POST", "/v1/auth/login", wrong, null).expect(401);
        Reply limited = call(identity, "identity", "POST", "/v1/auth/login", wrong, null);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.text("/error")).isEqualTo("rate_limited");

        List<JsonNode> login = docs("gantry-identity", "Route", "POST:/v1/auth/login");
        assertThat(login).hasSize(2);
        assertThat(login).extracting(d -> value(d, "RateLimited")).containsExactly(0.0, 1.0);
        assertThat(login).extracting(d -> value(d, "ClientErrors")).containsExactly(1.0, 1.0);
        assertThat(value(docs("gantry-identity", "ErrorCode", "rate_limited").get(0), "ErrorResponses")).isEqualTo(1);
    }

    @Test
    void aDeployThatSucceedsAndItsWebhookDeliveriesAreCountedByOutcome() {
        String token = token();
        call(identity, "identity", "POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
        var ok = call(webhooks, "webhooks", "POST", "/v1/webhook-endpoints",
                "{\"url\":\"http://127.0.0.1:" + receivers.getAddress().getPort() + "/ok\",\"events\":[\"deploy.succeeded\"]}", token).expect(201);
        var broken = call(webhooks, "webhooks", "POST", "/v1/webhook-endpoints",
                "{\"url\":\"http://127.0.0.1:" + receivers.getAddress().getPort() + "/broken\",\"events\":[\"deploy.succeeded\"]}", token).expect(201);
        secrets.add(ok.text("/secret"));
        secrets.add(broken.text("/secret"));
        ids.add(ok.text("/id"));
        ids.add(broken.text("/id"));

        String repo = call(platform, "platform", "POST", "/v1/repos", "{\"full_name\":\"" + REPO + "\"}", token).expect(201).text("/id");
        String target = call(platform, "platform", "POST", "/v1/compute-targets",
                "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + PROVIDER_TOKEN + "\"}", token).expect(201).text("/id");
        String env = call(platform, "platform", "POST", "/v1/repos/" + repo + "/environments",
                "{\"name\":\"production\",\"compute_target_id\":\"" + target + "\"}", token).expect(201).text("/id");
        ids.addAll(List.of(repo, target, env));
        settle();
        assertThat(call(platform, "platform", "GET", "/v1/environments/" + env, null, token).expect(200).text("/status")).isEqualTo("ready");

        String deploy = call(platform, "platform", "POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "c0".repeat(20) + "\"}", token)
                .expect(202).text("/id");
        ids.add(deploy);
        settle();
        assertThat(call(platform, "platform", "GET", "/v1/deploys/" + deploy, null, token).expect(200).text("/status")).isEqualTo("succeeded");

        List<JsonNode> deploys = docs("gantry-deploy-worker", "Outcome", "succeeded");
        assertThat(deploys).hasSize(1);
        assertThat(unit(deploys.get(0), "Deploys")).isEqualTo("Count");
        assertThat(value(deploys.get(0), "Deploys")).isEqualTo(1);

        JsonNode delivered = docs("gantry-webhook-delivery", "Outcome", "delivered").get(0);
        assertThat(unit(delivered, "WebhookDeliveries")).isEqualTo("Count");
        assertThat(value(delivered, "WebhookDeliveries")).isEqualTo(1);
        assertThat(value(docs("gantry-webhook-delivery", "Outcome", "retried").get(0), "WebhookDeliveries"))
                .as("the broken receiver's first attempt: failed, another scheduled").isEqualTo(1);

        // every worker invocation counts its batch under its Service alone
        List<JsonNode> batches = documents().stream()
                .filter(d -> d.path("Service").asText().equals("gantry-webhook-delivery") && d.has("Messages")).toList();
        assertThat(batches).isNotEmpty().allSatisfy(d -> {
            assertThat(dimensionSets(d)).containsExactly(List.of("Service"));
            assertThat(unit(d, "Messages")).isEqualTo("Count");
            assertThat(value(d, "Messages")).isEqualTo(1);
            assertThat(value(d, "MessagesFailed")).isZero();
        });
    }
}

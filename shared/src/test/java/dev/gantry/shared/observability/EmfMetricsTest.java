package dev.gantry.shared.observability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.http.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The metrics port on Powertools: what reaches stdout, as CloudWatch's embedded metric format. */
class EmfMetricsTest {
    private PrintStream original;
    private ByteArrayOutputStream out;

    @BeforeEach
    void captureStdout() {
        original = System.out;
        out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(original);
    }

    /** The EMF documents printed so far (every stdout line that carries an _aws.CloudWatchMetrics directive). */
    private List<JsonNode> documents() {
        List<JsonNode> docs = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\\R")) {
            if (!line.startsWith("{")) continue;
            JsonNode n = Json.readTree(line);
            if (n.path("_aws").has("CloudWatchMetrics")) docs.add(n);
        }
        return docs;
    }

    private static List<List<String>> dimensions(JsonNode doc) {
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode set : doc.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions")) {
            List<String> keys = new ArrayList<>();
            set.forEach(k -> keys.add(k.asText()));
            sets.add(keys);
        }
        return sets;
    }

    private static Map<String, String> units(JsonNode doc) {
        Map<String, String> units = new java.util.TreeMap<>();
        for (JsonNode m : doc.path("_aws").path("CloudWatchMetrics").get(0).path("Metrics")) units.put(m.path("Name").asText(), m.path("Unit").asText());
        return units;
    }

    private static double sum(JsonNode value) {
        if (!value.isArray()) return value.asDouble();
        double s = 0;
        for (JsonNode v : value) s += v.asDouble();
        return s;
    }

    @Test
    void anInvocationWritesOneDocumentPerDimensionMapUnderServiceAndThatMap() {
        Metrics metrics = new EmfMetrics("Gantry", "gantry-identity", () -> false);
        String result = metrics.invocation(null, () -> {
            metrics.put(Metrics.REQUESTS, 1, Metrics.Unit.COUNT, Map.of(Metrics.ROUTE, "GET:/v1/me"));
            metrics.put(Metrics.LATENCY, 12, Metrics.Unit.MILLISECONDS, Map.of(Metrics.ROUTE, "GET:/v1/me"));
            metrics.count(Metrics.ERROR_RESPONSES, Metrics.ERROR_CODE, "not_found");
            metrics.count(Metrics.MESSAGES);
            assertThat(documents()).as("nothing is written before the invocation ends").isEmpty();
            return "done";
        });
        assertThat(result).isEqualTo("done");

        List<JsonNode> docs = documents();
        assertThat(docs).hasSize(3);
        JsonNode route = docs.get(0);
        assertThat(route.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo("Gantry");
        assertThat(route.path("_aws").path("Timestamp").asLong()).isPositive();
        assertThat(dimensions(route)).containsExactly(List.of("Service"), List.of("Route"));
        assertThat(units(route)).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("Requests", "Count", "Latency", "Milliseconds")));
        assertThat(route.path("Service").asText()).isEqualTo("gantry-identity");
        assertThat(route.path("Route").asText()).isEqualTo("GET:/v1/me");
        assertThat(sum(route.path("Requests"))).isEqualTo(1);
        assertThat(sum(route.path("Latency"))).isEqualTo(12);

        assertThat(dimensions(docs.get(1))).containsExactly(List.of("Service"), List.of("ErrorCode"));
        assertThat(docs.get(1).path("ErrorCode").asText()).isEqualTo("not_found");
        assertThat(dimensions(docs.get(2))).as("no dimensions of its own: Service alone").containsExactly(List.of("Service"));
        assertThat(units(docs.get(2))).containsOnlyKeys("Messages");
    }

    @Test
    void pointsOfOneMetricAddUpInOneDocument() {
        Metrics metrics = new EmfMetrics("Gantry", "gantry-webhook-delivery", () -> false);
        metrics.invocation(null, () -> {
            metrics.count(Metrics.WEBHOOK_DELIVERIES, Metrics.OUTCOME, "delivered");
            metrics.count(Metrics.WEBHOOK_DELIVERIES, Metrics.OUTCOME, "delivered");
            metrics.count(Metrics.WEBHOOK_DELIVERIES, Metrics.OUTCOME, "retried");
            return null;
        });
        List<JsonNode> docs = documents();
        assertThat(docs).hasSize(2);
        assertThat(docs.get(0).path("Outcome").asText()).isEqualTo("delivered");
        assertThat(sum(docs.get(0).path("WebhookDeliveries"))).isEqualTo(2);
        assertThat(docs.get(1).path("Outcome").asText()).isEqualTo("retried");
        assertThat(sum(docs.get(1).path("WebhookDeliveries"))).isEqualTo(1);
    }

    @Test
    void aPointOutsideAnInvocationIsDroppedAndAnEmptyInvocationWritesNothing() {
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> false);
        metrics.count(Metrics.REQUESTS);
        metrics.invocation(null, () -> null);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aThrowingInvocationStillWritesWhatItRecorded() {
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> false);
        assertThatThrownBy(() -> metrics.invocation(null, () -> {
            metrics.count(Metrics.MESSAGES_FAILED);
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(documents()).singleElement().satisfies(d -> assertThat(sum(d.path("MessagesFailed"))).isEqualTo(1));
    }

    @Test
    void aNestedInvocationIsWrittenOnceByTheOuterOne() {
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> false);
        metrics.invocation(null, () -> {
            metrics.count(Metrics.MESSAGES);
            metrics.invocation(null, () -> { metrics.count(Metrics.MESSAGES); return null; });
            assertThat(documents()).isEmpty();
            return null;
        });
        assertThat(documents()).singleElement().satisfies(d -> assertThat(sum(d.path("Messages"))).isEqualTo(2));
    }

    @Test
    void anInvalidDimensionLosesItsOwnDocumentOnlyAndNeverFailsTheInvocation() {
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> false);
        String r = metrics.invocation(null, () -> {
            metrics.put(Metrics.REQUESTS, 1, Metrics.Unit.COUNT, Map.of(Metrics.ROUTE, "GET /v1/me")); // whitespace: Powertools refuses it
            metrics.count(Metrics.MESSAGES);
            return "ok";
        });
        assertThat(r).isEqualTo("ok");
        assertThat(documents()).singleElement().satisfies(d -> assertThat(units(d)).containsOnlyKeys("Messages"));
    }

    @Test
    void aColdStartAddsPowertoolsColdStartDocumentUnderServiceAlone() {
        boolean[] cold = {true};
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> cold[0]);
        metrics.invocation(null, () -> { cold[0] = false; metrics.count(Metrics.MESSAGES); return null; });
        metrics.invocation(null, () -> { metrics.count(Metrics.MESSAGES); return null; });
        List<JsonNode> docs = documents();
        assertThat(docs).hasSize(3);
        assertThat(units(docs.get(0))).containsExactlyEntriesOf(Map.of("ColdStart", "Count"));
        assertThat(dimensions(docs.get(0))).containsExactly(List.of("Service"));
        assertThat(docs.stream().filter(d -> d.has("ColdStart")).count()).isEqualTo(1);
    }

    @Test
    void concurrentInvocationsKeepTheirPointsApart() throws Exception {
        Metrics metrics = new EmfMetrics("Gantry", "svc", () -> false);
        int threads = 4;
        CountDownLatch allIn = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String route = "GET:/v1/route-" + t;
                int n = t + 1;
                futures.add(pool.submit(() -> metrics.invocation(null, () -> {
                    for (int i = 0; i < n; i++) metrics.put(Metrics.REQUESTS, 1, Metrics.Unit.COUNT, Map.of(Metrics.ROUTE, route));
                    allIn.countDown();
                    try {
                        // every invocation records while the others are open
                        assertThat(allIn.await(10, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return null;
                })));
            }
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        List<JsonNode> docs = documents();
        assertThat(docs).hasSize(threads);
        for (JsonNode d : docs) {
            int t = Integer.parseInt(d.path("Route").asText().substring("GET:/v1/route-".length()));
            assertThat(sum(d.path("Requests"))).as(d.toString()).isEqualTo(t + 1);
        }
    }

    @Test
    void metricsAreOnOnlyInLambdaAndNotWhenDisabled() {
        assertThat(EmfMetrics.from(Map.of())).isSameAs(Metrics.NONE);
        assertThat(EmfMetrics.from(Map.of("AWS_LAMBDA_FUNCTION_NAME", "identity", "POWERTOOLS_METRICS_DISABLED", "TRUE"))).isSameAs(Metrics.NONE);
        Metrics on = EmfMetrics.from(Map.of("AWS_LAMBDA_FUNCTION_NAME", "identity", "POWERTOOLS_SERVICE_NAME", "gantry-identity"));
        assertThat(on).isInstanceOf(EmfMetrics.class);
        on.invocation(null, () -> { on.count(Metrics.MESSAGES); return null; });
        JsonNode doc = documents().get(0);
        assertThat(doc.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo(EmfMetrics.DEFAULT_NAMESPACE);
        assertThat(doc.path("Service").asText()).isEqualTo("gantry-identity");
    }

    @Test
    void theNoneMetricsRunTheBodyAndRecordNothing() {
        assertThat(Metrics.NONE.invocation(null, () -> { Metrics.NONE.count(Metrics.REQUESTS); return 7; })).isEqualTo(7);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}

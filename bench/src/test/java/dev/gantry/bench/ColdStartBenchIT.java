package dev.gantry.bench;

import dev.gantry.bench.ColdStartBench.Scenario;
import dev.gantry.bench.invoke.Invoke;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The benchmark's machinery, once, small: one cold start of every default event of every function
 * in a child JVM whose classpath is the shaded function jar plus the invoker jar (both built by
 * `package`), with the SnapStart stand-in and the function's priming hooks. Nothing here looks at
 * how long anything took.
 */
class ColdStartBenchIT {
    private static ColdStartBench.Options options;

    @BeforeAll
    static void jarsAreBuilt() {
        options = ColdStartBench.Options.defaults();
        for (String f : ColdStartBench.FUNCTIONS) {
            assertThat(options.functionJar(f)).as("the %s function's shaded jar (mvn package)", f).isRegularFile();
        }
        assertThat(options.resolvedInvokerJar()).as("the bench invoker jar (mvn package)").isRegularFile();
    }

    /**
     * Every function answers its events from a cold child JVM, after its priming hook ran on the
     * real configuration (the local server's endpoints), and the priming wrote nothing to the
     * real table: its requests went to the offline stack.
     */
    @Test
    void everyFunctionAnswersEveryEventAfterItsPrimingWithoutTouchingTheTable() {
        List<String> primingItems = new ArrayList<>();
        ColdStartBench.Results results = ColdStartBench.run(options.withVariants(List.of(Variant.PRIMED))
                .withRuns(1).withWarmup(0).withBreakdownRuns(0).withClassHistogram(false), System.err,
                server -> primingItems.addAll(itemsMentioningPriming(server.dynamoEndpoint().toString(), server.tableName())));

        assertThat(results.scenarios()).extracting(Scenario::function).containsAll(ColdStartBench.FUNCTIONS);
        for (Scenario s : results.scenarios()) {
            List<ColdStartBench.Measurement> runs = results.runs(s, Variant.PRIMED);
            assertThat(runs).as(s.id()).hasSize(1);
            InvokeLine line = runs.get(0).line();
            assertThat(line.status()).as(s.id()).isBetween(200, 299);
            assertThat(line.fields()).as(s.id()).containsKeys("init_ms", "hooks_ms", "restore_to_answer_ms", "jvm_to_answer_ms",
                    "classes_at_restore", "classes");
            assertThat(line.number("hooks")).as("%s: the handler registered its priming hook", s.id()).isEqualTo(1);
            // The handler really ran in the child: far more classes than the JVM and the invoker alone.
            assertThat(line.number("classes_at_restore")).as(s.id()).isGreaterThan(2000);
        }
        assertThat(results.webhookDeliveriesReceived()).as("the webhook-delivery child made its attempt").isEqualTo(1);
        assertThat(results.jars()).allSatisfy(j -> {
            assertThat(j.httpClients()).as(j.function()).containsExactly("SDK url-connection");
            assertThat(j.cracApi()).as(j.function()).isTrue();
        });
        assertThat(primingItems).as("items the priming wrote to the real table").isEmpty();
        assertThat(ColdStartReport.markdown(results)).contains("### Summary", "#### `GET /health`", "#### `webhook-delivery (SQS)`");
    }

    /** The priming hook runs to its end in the shaded jar (Log4j's JSON layout and all), and says so. */
    @Test
    void theIdentityPrimingRunsInTheShadedJar(@TempDir Path logs) {
        ChildJvm child = new ChildJvm(options.functionJar("identity"), options.resolvedInvokerJar(), Map.of(), logs, Duration.ofSeconds(90));
        ChildJvm.Result r = child.run("primed-health", Variant.PRIMED, List.of(), Invoke.class.getName(),
                List.of("--snapshot", "dev.gantry.functions.identity.IdentityHandler", options.repoRoot().resolve("events/identity/health.json").toString()));
        assertThat(r.exitCode()).as(r.describe("exit")).isZero();
        assertThat(r.stdout()).contains("SnapStart priming of identity done").contains("\"function_request_id\":\"snapstart-priming-1\"");
        assertThat(r.stdout()).doesNotContain("SnapStart priming of identity failed");
        assertThat(r.line().status()).isEqualTo(200);
    }

    @Test
    void aChildThatFailsFailsTheBenchmark(@TempDir Path logs) {
        ChildJvm child = new ChildJvm(options.functionJar("identity"), options.resolvedInvokerJar(), Map.of(), logs, Duration.ofSeconds(60));
        ChildJvm.Result r = child.run("no-such-handler", Variant.DEFAULT, List.of(), Invoke.class.getName(),
                List.of("dev.gantry.NoSuchHandler", options.repoRoot().resolve("events/identity/health.json").toString()));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThatThrownBy(() -> ColdStartBench.checked(r)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with 1").hasMessageContaining("ClassNotFoundException");
    }

    /**
     * The shaded jar logs as in Lambda: Powertools' JSON layout, one object a line, with the
     * request id. (A shaded jar without Log4j's plugin-cache transformer silently ignores its
     * configuration and prints plain text; the unshaded test classpath cannot see that.)
     */
    @Test
    void theShadedJarWritesJsonLogLinesWithTheRequestId(@TempDir Path logs) {
        ChildJvm child = new ChildJvm(options.functionJar("identity"), options.resolvedInvokerJar(), Map.of(), logs, Duration.ofSeconds(60));
        ChildJvm.Result r = child.run("json-logs", Variant.DEFAULT, List.of(), Invoke.class.getName(),
                List.of("dev.gantry.functions.identity.IdentityHandler", options.repoRoot().resolve("events/identity/plans-list.json").toString()));
        assertThat(r.exitCode()).as(r.describe("exit")).isZero();
        String all = r.stdout() + "\n" + r.stderr();
        assertThat(all.lines().filter(l -> l.startsWith("{\"level\":\"INFO\"") && l.contains("\"request_id\":\"req_")))
                .as("a JSON log line with a request id in:%n%s", all).isNotEmpty();
    }

    /** The invoker needs nothing any function jar does not hold (jdeps finds no missing dependency), and jdeps would say so. */
    @Test
    void theInvokerNeedsNothingButTheFunctionJar() {
        String invoker = options.resolvedInvokerJar().toString();
        for (String f : ColdStartBench.FUNCTIONS) {
            assertThat(jdeps("--multi-release", "21", "--class-path", options.functionJar(f).toString(), "--missing-deps", invoker))
                    .as("missing dependencies of the invoker on the %s jar", f).isBlank();
        }
        assertThat(jdeps("--multi-release", "21", "--missing-deps", invoker)).contains("not found");
    }

    /**
     * What the shaded jars leave out (Joda-Time, Jackson's Joda module, the SDK's optional CRT,
     * AspectJ) is referred to only by classes Gantry never uses: no Gantry class, and none of the
     * event and answer classes the handlers take and give, refers to a class missing from its jar.
     */
    @Test
    void nothingGantryUsesRefersToAClassLeftOutOfItsJar() {
        for (String f : ColdStartBench.FUNCTIONS) {
            String jar = options.functionJar(f).toString();
            String report = jdeps("--multi-release", "21", "--missing-deps", jar);
            // jdeps did list what is missing: the SDK's optional CRT classes are never in the jar
            assertThat(report).as(jar).contains("software.amazon.awssdk.crt.");
            List<String> missing = report.lines()
                    .map(String::trim)
                    .filter(l -> l.startsWith("dev.gantry.") || l.startsWith("org.crac.")
                            || l.matches("com\\.amazonaws\\.services\\.lambda\\.runtime\\.(Context|RequestHandler|LambdaLogger)\\b.*")
                            || l.matches("com\\.amazonaws\\.services\\.lambda\\.runtime\\.events\\.(APIGatewayV2HTTPEvent|APIGatewayV2HTTPResponse"
                                    + "|SQSEvent|SQSBatchResponse|DynamodbEvent|StreamsEventResponse|models\\.dynamodb\\.[A-Za-z]+)\\b.*"))
                    .toList();
            assertThat(missing).as("classes used by Gantry that refer to classes missing from %s", jar).isEmpty();
        }
    }

    private static List<String> itemsMentioningPriming(String endpoint, String table) {
        List<String> found = new ArrayList<>();
        try (DynamoDbClient dynamo = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(java.net.URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            dynamo.scanPaginator(b -> b.tableName(table)).items().forEach(item -> {
                for (AttributeValue v : item.values()) {
                    if (v.s() != null && v.s().toLowerCase(Locale.ROOT).contains("priming")) {
                        found.add(item.toString());
                        break;
                    }
                }
            });
        }
        return found;
    }

    private static String jdeps(String... args) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out, true), new PrintWriter(out, true), args);
        assertThat(rc).as("jdeps exit status; output: %s", out).isZero();
        return out.toString();
    }
}

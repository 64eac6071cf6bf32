package dev.gantry.bench;

import dev.gantry.bench.invoke.Invoke;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The benchmark's machinery, once, small: one cold start of GET /health in a child JVM whose
 * classpath is the shaded function jar plus the invoker jar (both built by `package`). Nothing
 * here looks at how long anything took.
 */
class ColdStartBenchIT {
    private static ColdStartBench.Options options;

    @BeforeAll
    static void jarsAreBuilt() {
        options = ColdStartBench.Options.defaults();
        assertThat(options.functionJar()).as("the identity function's shaded jar (mvn package)").isRegularFile();
        assertThat(options.resolvedInvokerJar()).as("the bench invoker jar (mvn package)").isRegularFile();
    }

    @Test
    void healthAnswers200FromAColdChildJvm() {
        Path health = options.repoRoot().resolve("events/identity/health.json");
        ColdStartBench.Results results = ColdStartBench.run(options.withEvents(List.of(health)).withVariants(List.of(Variant.DEFAULT))
                .withRuns(1).withWarmup(0).withBreakdownRuns(0).withClassHistogram(false), System.err);

        List<ColdStartBench.Measurement> runs = results.runs(health, Variant.DEFAULT);
        assertThat(runs).hasSize(1);
        InvokeLine line = runs.get(0).line();
        assertThat(line.status()).isEqualTo(200);
        assertThat(line.fields()).containsKeys("init_ms", "parse_ms", "invoke_ms", "respond_ms", "jvm_to_main_ms",
                "jvm_to_answer_ms", "spawn_to_answer_ms", "classes");
        // The handler really ran in the child: far more classes than the JVM and the invoker alone.
        assertThat(line.number("classes")).isGreaterThan(results.baselines().get(Variant.DEFAULT).number("classes") + 1000);
        assertThat(results.jars()).singleElement().satisfies(jar -> assertThat(jar.bytes()).isEqualTo(options.functionJar().toFile().length()));
        assertThat(ColdStartBench.markdown(results)).contains("#### `GET /health`", "| classes loaded at the answer |");
    }

    @Test
    void aChildThatFailsFailsTheBenchmark(@TempDir Path logs) {
        ChildJvm child = new ChildJvm(options.functionJar(), options.resolvedInvokerJar(), Map.of(), logs, Duration.ofSeconds(60));
        ChildJvm.Result r = child.run("no-such-handler", Variant.DEFAULT, List.of(), Invoke.class.getName(),
                List.of("dev.gantry.NoSuchHandler", options.repoRoot().resolve("events/identity/health.json").toString()));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThatThrownBy(() -> ColdStartBench.checked(r)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with 1").hasMessageContaining("ClassNotFoundException");
    }

    /**
     * The shaded jar logs as in Lambda: Powertools' JSON layout, one object a line, with the
     * request id. (A shaded jar without Log4j's plugin-cache transformer silently ignores
     * log4j2.xml and prints plain text; the unshaded test classpath cannot see that.)
     */
    @Test
    void theShadedJarWritesJsonLogLinesWithTheRequestId(@TempDir Path logs) {
        ChildJvm child = new ChildJvm(options.functionJar(), options.resolvedInvokerJar(), Map.of(), logs, Duration.ofSeconds(60));
        ChildJvm.Result r = child.run("json-logs", Variant.DEFAULT, List.of(), Invoke.class.getName(),
                List.of("dev.gantry.functions.identity.IdentityHandler", options.repoRoot().resolve("events/identity/plans-list.json").toString()));
        assertThat(r.exitCode()).as(r.describe("exit")).isZero();
        String all = r.stdout() + "\n" + r.stderr();
        assertThat(all.lines().filter(l -> l.startsWith("{\"level\":\"INFO\"") && l.contains("\"request_id\":\"req_")))
                .as("a JSON log line with a request id in:%n%s", all).isNotEmpty();
    }

    /** The invoker needs nothing the function jar does not hold (jdeps finds no missing dependency), and jdeps would say so. */
    @Test
    void theInvokerNeedsNothingButTheFunctionJar() {
        String invoker = options.resolvedInvokerJar().toString();
        assertThat(jdeps("--multi-release", "21", "--class-path", options.functionJar().toString(), "--missing-deps", invoker)).isBlank();
        assertThat(jdeps("--multi-release", "21", "--missing-deps", invoker)).contains("not found");
    }

    private static String jdeps(String... args) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out, true), new PrintWriter(out, true), args);
        assertThat(rc).as("jdeps exit status; output: %s", out).isZero();
        return out.toString();
    }
}

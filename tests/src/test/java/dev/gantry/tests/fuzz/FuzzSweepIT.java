package dev.gantry.tests.fuzz;

import dev.gantry.functions.Catalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The boundary cases of every operation in openapi.yaml ({@link Cases}), over real HTTP against the
 * local server, as the owner of a real workspace: each answer must keep the {@link Contract}. One
 * dynamic test per operation, reporting every failing case of it with the request to send again.
 * {@code -Dfuzz.sweep=full} sends every value of every list instead of a seeded sample.
 */
class FuzzSweepIT {
    private static final OpenApi API = OpenApi.load();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(FuzzSettings.threads());
    private static Runner runner;
    private static Fixture fixture;

    @BeforeAll
    static void workspace() {
        fixture = Fixture.create(21);
        runner = new Runner(fixture, new Contract(API));
    }

    @AfterAll
    static void summary() {
        POOL.shutdown();
        if (runner != null) System.out.println(runner.summary("FuzzSweepIT (" + (FuzzSettings.fullSweep() ? "full" : "sampled") + ", seed "
                + FuzzSettings.seed() + ")"));
    }

    private static Runner.Outcome get(Future<Runner.Outcome> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyBoundaryCaseOfEveryOperationIsAnsweredAsDocumented() {
        boolean full = FuzzSettings.fullSweep();
        long seed = FuzzSettings.seed();
        return API.operations().stream().map(op -> DynamicTest.dynamicTest(op.key(), () -> {
            List<Case> cases = Cases.boundaries(op, full, seed);
            // a few at a time: the cases of one operation do not depend on each other
            List<Runner.Outcome> outcomes = POOL.invokeAll(cases.stream().<Callable<Runner.Outcome>>map(c -> () -> runner.run(c)).toList())
                    .stream().map(FuzzSweepIT::get).toList();
            List<String> failures = outcomes.stream().filter(o -> !o.ok()).map(Runner.Outcome::report).toList();
            assertThat(failures).as("%d of %d boundary cases of %s (seed %d) broke the contract:%s", failures.size(), cases.size(), op.key(),
                    seed, String.join("", failures.stream().limit(25).toList())).isEmpty();
        }));
    }

    @Test
    void theDocumentHasEveryRouteOfTheRouteTables() {
        // the sweep and FuzzIT fuzz the document's operations; that is every route only while they agree
        List<String> routes = Catalog.API_FUNCTIONS.stream().flatMap(f -> f.routes().routeKeys().stream()).sorted().toList();
        assertThat(API.operations().stream().map(OpenApi.Operation::key).sorted().toList()).isEqualTo(routes);
    }

    @Test
    void everyPathParameterNamesAResourceTheFixtureHas() {
        // Otherwise its "existing" cases fall back to a made-up value and never reach a real resource.
        List<String> unknown = new ArrayList<>();
        for (OpenApi.Operation op : API.operations()) {
            for (OpenApi.Param p : op.params("path")) {
                if (!fixture.knows(Fixture.kindOf(op.template(), p.name()))) unknown.add(op.key() + " {" + p.name() + "}");
            }
        }
        assertThat(unknown).as("path parameters with no resource in Fixture (add one there)").isEmpty();
    }
}

package dev.gantry.tests.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing (jqwik) of every operation in openapi.yaml over real HTTP against the
 * local server, as the owner of a real workspace: random and boundary values in path parameters,
 * query strings, body fields, whole bodies and headers, one or several at a time, each answer
 * checked against the {@link Contract}. A failure is reported with the request to send again and
 * shrunk to the fewest mutations that still fail; the run's seed ({@code -Dfuzz.seed}) repeats it.
 * {@link FuzzSweepIT} sends the boundary values to every operation; this class combines them and
 * adds random ones.
 */
@AddLifecycleHook(FuzzSettings.Hook.class)
class FuzzIT {
    private static final OpenApi API = OpenApi.load();
    private static Fixture fixture;
    private static Runner runner;

    @BeforeContainer
    static void workspace() {
        fixture = Fixture.create(22);
        runner = new Runner(fixture, new Contract(API));
    }

    @AfterContainer
    static void summary() {
        if (runner != null) System.out.println(runner.summary("FuzzIT (seed " + FuzzSettings.seed() + ")"));
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    void pathParametersAndPathShapes(@ForAll("withPathParameters") Case c) {
        check(c);
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    void queryParameters(@ForAll("queries") Case c) {
        check(c);
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    void bodyFieldsFromTheSchemas(@ForAll("bodyFields") Case c) {
        check(c);
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    @FuzzSettings.Weight(60)
    void wholeBodies(@ForAll("bodies") Case c) {
        check(c);
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    void headersAndMethods(@ForAll("headers") Case c) {
        check(c);
    }

    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    void severalMutationsAtOnce(@ForAll("mixed") Case c) {
        check(c);
    }

    /**
     * The same request twice with one Idempotency-Key (API.md §1): the second answer is documented
     * too, and when the first succeeded the second is its replay.
     */
    @Property(generation = GenerationMode.RANDOMIZED, shrinking = ShrinkingMode.BOUNDED)
    @FuzzSettings.Weight(30)
    void sameIdempotencyKeyTwice(@ForAll("authenticatedPosts") Case c) {
        Runner.Outcome first = runner.run(c);
        assertThat(first.problems()).as(first.report()).isEmpty();
        Runner.Outcome second = runner.run(c);
        assertThat(second.problems()).as(second.report()).isEmpty();
        if (first.response().status() < 300 && !c.op().key().equals("POST /v1/auth/logout")) {
            assertThat(second.response().status()).as("a replay answers like the first:%s%s", first.report(), second.report())
                    .isEqualTo(first.response().status());
            assertThat(second.response().header("idempotent-replayed")).as(second.report()).isEqualTo("true");
        }
    }

    private static void check(Case c) {
        Runner.Outcome outcome = runner.run(c);
        assertThat(outcome.problems()).as(outcome.report()).isEmpty();
    }

    // ---- generators ----------------------------------------------------------------------------

    @Provide
    Arbitrary<Case> withPathParameters() {
        return cases(op -> !op.params("path").isEmpty(), Generators::pathParameter, 1, 2);
    }

    @Provide
    Arbitrary<Case> queries() {
        return cases(op -> true, Generators::query, 1, 3);
    }

    @Provide
    Arbitrary<Case> bodyFields() {
        return cases(OpenApi.Operation::takesBody, Generators::bodyField, 1, 4);
    }

    @Provide
    Arbitrary<Case> bodies() {
        return cases(op -> true, Generators::body, 1, 1);
    }

    @Provide
    Arbitrary<Case> headers() {
        return cases(op -> true, op -> Arbitraries.oneOf(Generators.header(op), Generators.method(op)), 1, 3);
    }

    @Provide
    Arbitrary<Case> mixed() {
        return cases(op -> true, Generators::any, 2, 5);
    }

    @Provide
    Arbitrary<Case> authenticatedPosts() {
        return cases(op -> op.method().equals("POST") && !op.isPublic(), Generators::bodyField, 0, 2)
                .flatMap(c -> Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40).map(key -> {
                    List<Case.Mutation> ms = new java.util.ArrayList<>(c.mutations());
                    ms.add(new Case.SetHeader("Idempotency-Key", new Case.HeaderValue.Text(Case.bytes("fuzz-" + key))));
                    return new Case(c.op(), ms);
                }));
    }

    /** An operation of the document, then {@code min}–{@code max} mutations of it. */
    private static Arbitrary<Case> cases(java.util.function.Predicate<OpenApi.Operation> which,
                                         Function<OpenApi.Operation, Arbitrary<Case.Mutation>> mutation, int min, int max) {
        List<OpenApi.Operation> ops = API.operations().stream().filter(which).toList();
        assertThat(ops).as("operations to fuzz").isNotEmpty();
        return Arbitraries.of(ops).flatMap(op -> mutation.apply(op).list().ofMinSize(min).ofMaxSize(max).map(ms -> new Case(op, ms)));
    }
}

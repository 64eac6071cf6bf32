package dev.gantry.localstack;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.PrintStream;

/**
 * At the end of a test run, one line with how many tests {@link LocalStackCondition} skipped and
 * why, so a green {@code -Plocalstack} build without Docker cannot be mistaken for a LocalStack
 * run. Registered through {@code META-INF/services}; silent when nothing was skipped for that reason.
 */
public final class SkipReport implements TestExecutionListener {
    private final PrintStream out;
    private TestPlan plan;
    private int classes;
    private long tests;
    private String reason;

    public SkipReport() {
        this(System.out);
    }

    SkipReport(PrintStream out) {
        this.out = out;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        classes = 0;
        tests = 0;
        reason = null;
    }

    @Override
    public void executionSkipped(TestIdentifier id, String why) {
        if (why == null || !why.startsWith(LocalStackCondition.PREFIX)) return;
        reason = why;
        if (id.isTest()) {
            tests++;
        } else {
            classes++;
            // The leaves, as failsafe counts them: a parameterized test or a test factory is one (its invocations never exist).
            tests += plan == null ? 0 : plan.getDescendants(id).stream().filter(d -> plan.getChildren(d).isEmpty()).count();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (reason == null) return;
        out.println("[gantry] " + summary(classes, tests, reason));
    }

    static String summary(int classes, long tests, String reason) {
        return reason + " -- " + tests + (tests == 1 ? " test" : " tests") + " in " + classes + (classes == 1 ? " IT class" : " IT classes")
                + " NOT run against LocalStack";
    }
}

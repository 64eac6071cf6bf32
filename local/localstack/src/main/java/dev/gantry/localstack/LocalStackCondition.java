package dev.gantry.localstack;

import dev.gantry.emulators.Backends;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.function.Supplier;

/**
 * Skips every test class of the run, with the reason, when the {@code localstack} backend is
 * selected and there is no Docker engine: the {@code localstack} profile then ends green, loudly,
 * instead of failing on the first container start. With the embedded backend, or with Docker,
 * it changes nothing. Registered through {@code META-INF/services} and switched on by the profile
 * for the failsafe runs only ({@code junit.jupiter.extensions.autodetection.enabled=true}).
 */
public final class LocalStackCondition implements ExecutionCondition {
    /** Every skip reason starts with this; {@link SkipReport} counts by it. */
    static final String PREFIX = "localstack profile: ";

    /** Where the reason comes from; tests replace it. */
    static volatile Supplier<String> missing = DockerCheck::missing;

    private static boolean announced;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        ConditionEvaluationResult result = evaluate(Backends.selected(), missing);
        if (result.isDisabled()) announce(result.getReason().orElse(""));
        return result;
    }

    /** The decision alone: skip only on LocalStack without Docker (the reason is not even asked for otherwise). */
    static ConditionEvaluationResult evaluate(Backends.Kind backend, Supplier<String> missing) {
        if (backend != Backends.Kind.LOCALSTACK) return ConditionEvaluationResult.enabled("the " + backend.id() + " backend needs no Docker");
        String reason = missing.get();
        if (reason == null) return ConditionEvaluationResult.enabled("Docker answers: running against LocalStack");
        return ConditionEvaluationResult.disabled(skipMessage(reason));
    }

    static String skipMessage(String reason) {
        return PREFIX + reason + ": skipped (needs LocalStack; run -Plocalstack on a machine with a Docker engine)";
    }

    private static synchronized void announce(String message) {
        if (announced) return;
        announced = true;
        System.out.println("[gantry] " + message + ". Every IT of this module is skipped; the build does not fail.");
    }
}

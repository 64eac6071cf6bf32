package dev.gantry.shared.observability;

import com.amazonaws.services.lambda.runtime.Context;
import software.amazon.lambda.powertools.common.internal.LambdaHandlerProcessor;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

import java.util.function.Supplier;

/**
 * What every Lambda handler wraps its body in: metrics (written once when the invocation ends),
 * the handler's trace subsegment, and Powertools' structured logging with the Lambda context.
 * {@code handleRequest(event, context)} becomes
 * {@code return Invocations.observe(context, metrics, () -> router.handle(event));}.
 */
public final class Invocations {
    private static final String SERVICE = System.getenv("POWERTOOLS_SERVICE_NAME");

    private Invocations() {}

    /** {@code context} null (unit tests, the local workers): no Lambda logging context; metrics and tracing as configured. */
    public static <T> T observe(Context context, Metrics metrics, Supplier<T> body) {
        // Metrics and tracing read the cold start before Powertools logging marks it done.
        return metrics.invocation(context, () -> Tracing.handler(Tracing.enabled() && LambdaHandlerProcessor.isColdStart(), SERVICE,
                () -> context == null ? body.get() : PowertoolsLogging.withLogging(context, body)));
    }
}

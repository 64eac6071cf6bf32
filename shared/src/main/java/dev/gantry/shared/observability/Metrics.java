package dev.gantry.shared.observability;

import com.amazonaws.services.lambda.runtime.Context;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The metrics port (docs/observability.md): what the edges (the router, the worker handlers) and
 * the few places in the domain that alone know an outcome (a deploy's end) report. The Lambda
 * handlers wire it to Powertools' embedded metric format ({@link EmfMetrics}); unit tests and the
 * local server use {@link #NONE}, so nothing here needs Lambda.
 *
 * <p>Dimensions are few and bounded: route templates, outcomes, error codes. Never an id, a raw
 * path, a workspace, or anything a caller typed: each distinct value is a metric CloudWatch bills.
 */
public interface Metrics {
    enum Unit { COUNT, MILLISECONDS }

    // --- the names (docs/observability.md lists them with their units and dimensions) ---------------
    /** API requests, per route template; ClientErrors, ServerErrors and RateLimited are 0 or 1 per request, so their Average is a rate. */
    String REQUESTS = "Requests";
    String CLIENT_ERRORS = "ClientErrors";
    String SERVER_ERRORS = "ServerErrors";
    String RATE_LIMITED = "RateLimited";
    String LATENCY = "Latency";
    /** Error answers by error code (the envelope's {@code error}). */
    String ERROR_RESPONSES = "ErrorResponses";
    /** Outbound webhook attempts by outcome ({@code delivered, retried, dead, abandoned}). */
    String WEBHOOK_DELIVERIES = "WebhookDeliveries";
    /** Deploys that reached a final status, by outcome ({@code succeeded, failed, cancelled, superseded}). */
    String DEPLOYS = "Deploys";
    /** Queue messages a worker handled, and those it handed back to SQS for another try. */
    String MESSAGES = "Messages";
    String MESSAGES_FAILED = "MessagesFailed";
    /** Outbox messages the scheduled relay sent because their writer did not (normally 0). */
    String OUTBOX_SWEPT = "OutboxSwept";

    String ROUTE = "Route";
    String ERROR_CODE = "ErrorCode";
    String OUTCOME = "Outcome";

    /**
     * Records one data point of the current invocation. {@code dimensions} come on top of the
     * function's Service dimension (each metric is also published under Service alone). Outside an
     * invocation ({@link #invocation}) a point is dropped: nothing would flush it.
     */
    void put(String name, double value, Unit unit, Map<String, String> dimensions);

    default void count(String name) {
        put(name, 1, Unit.COUNT, Map.of());
    }

    default void count(String name, String dimension, String value) {
        put(name, 1, Unit.COUNT, Map.of(dimension, value));
    }

    /**
     * Runs one Lambda invocation: what it records is written when it ends, once, whether it
     * returns or throws. {@code context} may be null (tests, the local workers).
     */
    default <T> T invocation(Context context, Supplier<T> body) {
        return body.get();
    }

    /** Records nothing: unit tests, the local server, and Lambda with POWERTOOLS_METRICS_DISABLED=true. */
    Metrics NONE = (name, value, unit, dimensions) -> { };
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.webhooks.WebhookDispatcher;

/**
 * Consumes the webhook-deliveries queue: one message is one attempt of one delivery (see
 * {@link WebhookDispatcher#deliver}). An attempt takes at most 10 s, so a batch of 4 fits the
 * 55 s timeout, itself under the queue's 60 s visibility timeout.
 */
public final class WebhookDeliveryHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final WebhookDispatcher dispatcher;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public WebhookDeliveryHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("webhook-delivery", WorkerPriming::webhookDelivery);
    }

    public WebhookDeliveryHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.dispatcher = wiring.webhookDispatcher();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, metrics, (body, receives) -> {
            String outcome = outcome(dispatcher.deliver(body));
            if (outcome != null) metrics.count(Metrics.WEBHOOK_DELIVERIES, Metrics.OUTCOME, outcome);
        });
    }

    /**
     * The WebhookDeliveries outcome of one message: an attempt delivered, failed with a retry
     * scheduled, or failed for good ({@code dead}: its last attempt, or the endpoint answered 410
     * Gone); a delivery given up because its endpoint was deleted or disabled is {@code abandoned}.
     * Messages that sent nothing (not due yet, duplicates, in flight elsewhere) count nothing.
     */
    static String outcome(WebhookDispatcher.Outcome o) {
        return switch (o) {
            case SUCCEEDED -> "delivered";
            case RETRY_SCHEDULED -> "retried";
            case FAILED -> "dead";
            case ABANDONED -> "abandoned";
            case NOT_DUE, DUPLICATE, IN_FLIGHT, GONE -> null;
        };
    }
}

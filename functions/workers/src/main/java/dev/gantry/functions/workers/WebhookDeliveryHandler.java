package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.webhooks.WebhookDispatcher;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * Consumes the webhook-deliveries queue: one message is one attempt of one delivery (see
 * {@link WebhookDispatcher#deliver}). An attempt takes at most 10 s, so a batch of 4 fits the
 * 55 s timeout, itself under the queue's 60 s visibility timeout.
 */
public final class WebhookDeliveryHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final WebhookDispatcher dispatcher;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public WebhookDeliveryHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("webhook-delivery", WorkerPriming::webhookDelivery);
    }

    public WebhookDeliveryHandler(Wiring wiring) {
        this.dispatcher = wiring.webhookDispatcher();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return context == null ? handle(event) : PowertoolsLogging.withLogging(context, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, (body, receives) -> dispatcher.deliver(body));
    }
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.webhooks.WebhookDispatcher;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/** Consumes the webhook-fanout queue: each event becomes one delivery per subscribed endpoint (see {@link WebhookDispatcher#fanOut}). */
public final class WebhookFanoutHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final WebhookDispatcher dispatcher;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public WebhookFanoutHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("webhook-fanout", WorkerPriming::webhookFanout);
    }

    public WebhookFanoutHandler(Wiring wiring) {
        this.dispatcher = wiring.webhookDispatcher();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return context == null ? handle(event) : PowertoolsLogging.withLogging(context, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, (body, receives) -> dispatcher.fanOut(body));
    }
}

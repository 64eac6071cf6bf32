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

/** Consumes the webhook-fanout queue: each event becomes one delivery per subscribed endpoint (see {@link WebhookDispatcher#fanOut}). */
public final class WebhookFanoutHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final WebhookDispatcher dispatcher;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public WebhookFanoutHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("webhook-fanout", WorkerPriming::webhookFanout);
    }

    public WebhookFanoutHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.dispatcher = wiring.webhookDispatcher();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, metrics, (body, receives) -> dispatcher.fanOut(body));
    }
}

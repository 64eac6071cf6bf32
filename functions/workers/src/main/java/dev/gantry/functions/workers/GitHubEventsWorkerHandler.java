package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.github.GitHubEventProcessor;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;

/**
 * Consumes the {@code github-events} queue: each message is one verified GitHub delivery's extract
 * (see {@link GitHubEventProcessor}). A failed message is retried by SQS, then goes to the DLQ;
 * its delivery stays {@code received}, so a redelivery from GitHub is processed again.
 */
public final class GitHubEventsWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final GitHubEventProcessor processor;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public GitHubEventsWorkerHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("github-events-worker", WorkerPriming::gitHubEventsWorker);
    }

    public GitHubEventsWorkerHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.processor = wiring.gitHubEventProcessor();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, metrics, (body, receives) -> processor.process(body));
    }
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.platform.ScanRunner;

/** Consumes the scans queue: each message scans one repo (see {@link ScanRunner}). */
public final class ScanWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final ScanRunner runner;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public ScanWorkerHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("scan-worker", WorkerPriming::scanWorker);
    }

    public ScanWorkerHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.runner = wiring.scanRunner();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, metrics, (body, receives) -> runner.run(ScanRunner.Message.parse(body), receives));
    }
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.platform.DeployRunner;
import dev.gantry.shared.platform.JobRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the deploys queue: deploy steps ({@link DeployRunner}) and jobs, VM provisioning and
 * destruction ({@link JobRunner}). Both are idempotent per message.
 */
public final class DeployWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(DeployWorkerHandler.class);
    private final JobRunner runner;
    private final DeployRunner deploys;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public DeployWorkerHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("deploy-worker", WorkerPriming::deployWorker);
    }

    public DeployWorkerHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.runner = wiring.jobRunner();
        this.deploys = wiring.deployRunner();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, metrics, (body, receives) -> {
            if (deploys.handle(body)) return;
            var node = Json.readTree(body);
            String jobId = node.path("job_id").asText(null);
            if (!"job".equals(node.path("kind").asText(null)) || jobId == null) {
                LOG.warn("ignoring a message that is neither a job nor a deploy step: kind={}", node.path("kind").asText("?"));
                return;
            }
            runner.run(jobId);
        });
    }
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.platform.JobRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/** Consumes the deploys queue's job messages: VM provisioning and destruction (see {@link JobRunner}). */
public final class JobWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(JobWorkerHandler.class);
    private final JobRunner runner;

    public JobWorkerHandler() {
        this(Wiring.fromEnvironment());
    }

    public JobWorkerHandler(Wiring wiring) {
        this.runner = wiring.jobRunner();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return context == null ? handle(event) : PowertoolsLogging.withLogging(context, () -> handle(event));
    }

    private SQSBatchResponse handle(SQSEvent event) {
        return QueueBatch.process(event, (body, receives) -> {
            var node = Json.readTree(body);
            String jobId = node.path("job_id").asText(null);
            if (!"job".equals(node.path("kind").asText(null)) || jobId == null) {
                LOG.warn("ignoring a message that is not a job: kind={}", node.path("kind").asText("?"));
                return;
            }
            runner.run(jobId);
        });
    }
}

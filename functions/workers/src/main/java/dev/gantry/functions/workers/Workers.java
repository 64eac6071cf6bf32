package dev.gantry.functions.workers;

import dev.gantry.shared.functions.WorkerSpec;

import java.util.List;

/** The workers' declarations, read by the CDK stack and the local server. */
public final class Workers {
    private Workers() {}

    public static final List<WorkerSpec> ALL = List.of(
            WorkerSpec.queueConsumer("scan-worker", ScanWorkerHandler.class.getName(), "scans", 5, 1024, 120),
            WorkerSpec.queueConsumer("deploy-worker", DeployWorkerHandler.class.getName(), "deploys", 5, 1024, 300),
            WorkerSpec.queueConsumer("github-events-worker", GitHubEventsWorkerHandler.class.getName(), "github-events", 10, 1024, 60),
            WorkerSpec.tableStreamConsumer("outbox-stream-relay", OutboxStreamRelayHandler.class.getName(), 100, 512, 60),
            WorkerSpec.queueConsumer("webhook-fanout", WebhookFanoutHandler.class.getName(), "webhook-fanout", 10, 512, 30),
            WorkerSpec.queueConsumer("webhook-delivery", WebhookDeliveryHandler.class.getName(), "webhook-deliveries", 4, 512, 55),
            WorkerSpec.scheduled("outbox-relay", OutboxRelayHandler.class.getName(), 1, 512, 60));
}

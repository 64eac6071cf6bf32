package dev.gantry.shared.queues;

import java.util.List;
import java.util.Locale;

/**
 * Every SQS queue Gantry uses, each with a dead-letter queue. The CDK stack and the local server
 * create exactly these; functions find a queue's URL in {@link #urlEnvVar()}.
 */
public record QueueSpec(String name, int visibilityTimeoutSeconds, int maxReceiveCount, String purpose) {

    public static final List<QueueSpec> ALL = List.of(
            new QueueSpec("github-events", 120, 5, "verified GitHub deliveries waiting to be processed"),
            new QueueSpec("scans", 300, 3, "repository scans"),
            new QueueSpec("deploys", 900, 5, "deploy and job steps"),
            new QueueSpec("webhook-fanout", 60, 5, "events to fan out to subscribed endpoints"),
            new QueueSpec("webhook-deliveries", 60, 10, "one delivery attempt to one customer endpoint"));

    public String deadLetterName() { return name + "-dlq"; }

    /** e.g. {@code GANTRY_QUEUE_GITHUB_EVENTS_URL}. */
    public String urlEnvVar() {
        return "GANTRY_QUEUE_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_URL";
    }
}

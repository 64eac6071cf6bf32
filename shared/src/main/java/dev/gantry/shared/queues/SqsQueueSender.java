package dev.gantry.shared.queues;

import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.Map;

/** The SQS sender; queue URLs come from the environment ({@link QueueSpec#urlEnvVar()}), set by the CDK stack or the local server. */
public final class SqsQueueSender implements QueueSender {
    private final SqsClient sqs;
    private final Map<String, String> urls;

    public SqsQueueSender(SqsClient sqs, Map<String, String> urlsByQueueName) {
        this.sqs = sqs;
        this.urls = Map.copyOf(urlsByQueueName);
    }

    @Override
    public void send(String queueName, String body, int delaySeconds) {
        String url = urls.get(queueName);
        if (url == null) throw new IllegalStateException("no URL configured for queue " + queueName);
        sqs.sendMessage(b -> b.queueUrl(url).messageBody(body).delaySeconds(Math.max(0, Math.min(900, delaySeconds))));
    }
}

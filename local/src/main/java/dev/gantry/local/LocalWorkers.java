package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.functions.WorkerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The workers of {@code Catalog.WORKERS}, run the way Lambda runs them: a poller per queue that
 * receives a batch from ElasticMQ, hands it to the handler as an SQS event, and deletes the
 * messages the handler did not report as failed (the others come back after their visibility
 * timeout and end in the DLQ, as in AWS). Scheduled workers run every {@code relayEverySeconds}
 * here instead of every few minutes, so the outbox relay is quick to see locally.
 */
final class LocalWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWorkers.class);

    private final ExecutorService pollers;
    private final ScheduledExecutorService scheduler;
    private volatile boolean running = true;

    @SuppressWarnings("unchecked")
    LocalWorkers(List<WorkerSpec> workers, Wiring wiring, SqsClient sqs, Map<String, String> queueUrls, int relayEverySeconds,
                 software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient streams, String streamArn) {
        this.pollers = Executors.newCachedThreadPool(Threads.daemon("gantry-worker"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.daemon("gantry-schedule"));
        for (WorkerSpec spec : workers) {
            Object handler = instantiate(spec, wiring);
            if (spec.tableStream()) {
                RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent, ?> h =
                        (RequestHandler<com.amazonaws.services.lambda.runtime.events.DynamodbEvent, ?>) handler;
                pollers.submit(() -> new LocalTableStream(streams, streamArn, h, () -> running).run());
            } else if (spec.queue() != null) {
                String url = queueUrls.get(spec.queue());
                RequestHandler<SQSEvent, SQSBatchResponse> h = (RequestHandler<SQSEvent, SQSBatchResponse>) handler;
                pollers.submit(() -> poll(spec, h, sqs, url));
            } else {
                RequestHandler<Map<String, Object>, Object> h = (RequestHandler<Map<String, Object>, Object>) handler;
                scheduler.scheduleWithFixedDelay(() -> {
                    try {
                        h.handleRequest(Map.of("source", "gantry.local.schedule"), null);
                    } catch (RuntimeException e) {
                        LOG.warn("{} failed: {}", spec.name(), e.toString());
                    }
                }, relayEverySeconds, relayEverySeconds, TimeUnit.SECONDS);
            }
        }
    }

    private void poll(WorkerSpec spec, RequestHandler<SQSEvent, SQSBatchResponse> handler, SqsClient sqs, String url) {
        while (running) {
            try {
                List<Message> received = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(Math.min(10, spec.batchSize()))
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
                if (received.isEmpty()) continue;
                SQSEvent event = new SQSEvent();
                List<SQSEvent.SQSMessage> records = new ArrayList<>();
                for (Message m : received) {
                    SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
                    r.setMessageId(m.messageId());
                    r.setReceiptHandle(m.receiptHandle());
                    r.setBody(m.body());
                    r.setAttributes(Map.of("ApproximateReceiveCount",
                            m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
                    records.add(r);
                }
                event.setRecords(records);
                SQSBatchResponse response = handler.handleRequest(event, null);
                Set<String> failed = new HashSet<>();
                if (response != null && response.getBatchItemFailures() != null) {
                    response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
                }
                for (Message m : received) {
                    if (!failed.contains(m.messageId())) sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            } catch (RuntimeException e) {
                if (!running) return;
                LOG.warn("{} poller: {}", spec.name(), e.toString());
                sleepQuietly();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Object instantiate(WorkerSpec spec, Wiring wiring) {
        try {
            return Class.forName(spec.handlerClass()).getConstructor(Wiring.class).newInstance(wiring);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the " + spec.name() + " worker's handler " + spec.handlerClass()
                    + " needs a public (Wiring) constructor: " + e, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        scheduler.shutdownNow();
        pollers.shutdown();
        if (!pollers.awaitTermination(3, TimeUnit.SECONDS)) pollers.shutdownNow();
    }
}

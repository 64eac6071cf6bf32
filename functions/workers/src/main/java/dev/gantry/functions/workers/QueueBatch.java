package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.gantry.shared.observability.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Runs each message of an SQS batch on its own and reports the ones that failed, so SQS
 * redelivers only those (ReportBatchItemFailures; after maxReceiveCount they go to the DLQ).
 * Written by hand rather than with Powertools' batch module: it is twenty lines, and the module
 * would add its dependencies to a jar whose cold start we measure.
 */
final class QueueBatch {
    private static final Logger LOG = LoggerFactory.getLogger(QueueBatch.class);

    private QueueBatch() {}

    /** {@code handler} gets the body and the receive count (1 on the first delivery). */
    static SQSBatchResponse process(SQSEvent event, BiConsumer<String, Integer> handler) {
        return process(event, Metrics.NONE, handler);
    }

    /** As above, counting the batch's messages and those handed back to SQS (Messages, MessagesFailed). */
    static SQSBatchResponse process(SQSEvent event, Metrics metrics, BiConsumer<String, Integer> handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        if (event.getRecords() != null) {
            for (SQSEvent.SQSMessage m : event.getRecords()) {
                MDC.put("message_id", m.getMessageId());
                try {
                    handler.accept(m.getBody(), receiveCount(m));
                } catch (RuntimeException e) {
                    LOG.warn("message {} failed; SQS will deliver it again", m.getMessageId(), e);
                    failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(m.getMessageId()).build());
                } finally {
                    MDC.remove("message_id");
                }
            }
        }
        metrics.put(Metrics.MESSAGES, event.getRecords() == null ? 0 : event.getRecords().size(), Metrics.Unit.COUNT, java.util.Map.of());
        metrics.put(Metrics.MESSAGES_FAILED, failures.size(), Metrics.Unit.COUNT, java.util.Map.of());
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    static int receiveCount(SQSEvent.SQSMessage m) {
        String raw = m.getAttributes() == null ? null : m.getAttributes().get("ApproximateReceiveCount");
        try {
            return raw == null ? 1 : Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}

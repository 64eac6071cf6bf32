package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Partial batch failures: only the messages that threw are reported, with the receive count handed to the handler. */
class QueueBatchTest {
    private static SQSEvent.SQSMessage message(String id, String body, String receives) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        if (receives != null) m.setAttributes(Map.of("ApproximateReceiveCount", receives));
        return m;
    }

    @Test
    void reportsOnlyTheMessagesThatFailed() {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message("a", "ok", "1"), message("b", "boom", "3"), message("c", "ok", null)));
        List<String> seen = new ArrayList<>();
        var response = QueueBatch.process(event, (body, receives) -> {
            seen.add(body + "/" + receives);
            if (body.equals("boom")) throw new IllegalStateException("failed");
        });
        assertThat(seen).containsExactly("ok/1", "boom/3", "ok/1");
        assertThat(response.getBatchItemFailures()).extracting(f -> f.getItemIdentifier()).containsExactly("b");
    }

    @Test
    void anEmptyEventHasNoFailures() {
        assertThat(QueueBatch.process(new SQSEvent(), (b, r) -> { throw new AssertionError("no messages"); }).getBatchItemFailures()).isEmpty();
    }
}

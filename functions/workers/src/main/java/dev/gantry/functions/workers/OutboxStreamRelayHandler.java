package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.queues.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The outbox relay on the table's stream (DESIGN.md principle 5): every outbox item inserted is
 * relayed within about a second of its commit, whether or not its writer lived to send it. The
 * event source filters the stream to outbox inserts; anything else is skipped. A record whose
 * relay fails is reported, so Lambda retries from it (the records after it wait: stream order).
 */
public final class OutboxStreamRelayHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxStreamRelayHandler.class);
    private final Outbox outbox;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public OutboxStreamRelayHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("outbox-stream-relay", WorkerPriming::outboxStreamRelay);
    }

    public OutboxStreamRelayHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.outbox = wiring.platform().outbox();
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> relay(event));
    }

    private StreamsEventResponse relay(DynamodbEvent event) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        int relayed = 0;
        for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords() == null ? List.<DynamodbEvent.DynamodbStreamRecord>of() : event.getRecords()) {
            if (!"INSERT".equals(r.getEventName()) || r.getDynamodb() == null || r.getDynamodb().getKeys() == null) continue;
            var pk = r.getDynamodb().getKeys().get("pk");
            String id = Outbox.idOfKey(pk == null ? null : pk.getS());
            if (id == null) continue;
            try {
                outbox.relay(id);
                relayed++;
            } catch (RuntimeException e) {
                LOG.warn("outbox message {} not relayed: {}", id, e.toString());
                failures.add(StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier(r.getDynamodb().getSequenceNumber()).build());
                break; // stream order: the rest are retried with it
            }
        }
        metrics.put(Metrics.MESSAGES, relayed, Metrics.Unit.COUNT, java.util.Map.of());
        metrics.put(Metrics.MESSAGES_FAILED, failures.size(), Metrics.Unit.COUNT, java.util.Map.of());
        return StreamsEventResponse.builder().withBatchItemFailures(failures).build();
    }
}

package dev.gantry.functions.workers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.queues.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * The outbox relay, run every minute: sends the outbox messages whose writer did not (it died
 * between its commit and its send, or SQS was down). See {@link Outbox}.
 */
public final class OutboxRelayHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayHandler.class);
    /** Younger messages are still in their writer's hands. */
    public static final Duration MIN_AGE = Duration.ofSeconds(30);
    private final Outbox outbox;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public OutboxRelayHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("outbox-relay", WorkerPriming::outboxRelay);
    }

    public OutboxRelayHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.outbox = wiring.platform().outbox();
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> scheduledEvent, Context context) {
        return Invocations.observe(context, metrics, this::relay);
    }

    private Map<String, Object> relay() {
        int sent = outbox.sweep(MIN_AGE);
        metrics.put(Metrics.OUTBOX_SWEPT, sent, Metrics.Unit.COUNT, Map.of());
        if (sent > 0) LOG.info("relayed {} outbox message(s)", sent);
        return Map.of("sent", sent);
    }
}

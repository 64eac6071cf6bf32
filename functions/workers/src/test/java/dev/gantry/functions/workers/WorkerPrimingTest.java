package dev.gantry.functions.workers;

import dev.gantry.shared.snapstart.OfflineStack;
import dev.gantry.shared.snapstart.Priming;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Each worker's SnapStart priming handles its message offline without a failed item. */
class WorkerPrimingTest {
    @Test
    void everyWorkerPrimesOffline() {
        Map<String, Consumer<OfflineStack>> workers = Map.of(
                "scan-worker", WorkerPriming::scanWorker,
                "deploy-worker", WorkerPriming::deployWorker,
                "github-events-worker", WorkerPriming::gitHubEventsWorker,
                "webhook-fanout", WorkerPriming::webhookFanout,
                "webhook-delivery", WorkerPriming::webhookDelivery,
                "outbox-stream-relay", WorkerPriming::outboxStreamRelay,
                "outbox-relay", WorkerPriming::outboxRelay);
        assertThat(workers.keySet()).containsExactlyInAnyOrderElementsOf(Workers.ALL.stream().map(w -> w.name()).toList());
        workers.forEach((name, steps) -> {
            Priming p = Priming.of(name, steps);
            assertThat(p.prime()).as("%s finished; outcomes %s", name, p.outcomes()).isTrue();
            assertThat(p.outcomes()).as(name).endsWith(name + " ok");
        });
    }
}

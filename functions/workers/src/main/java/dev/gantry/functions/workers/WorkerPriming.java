package dev.gantry.functions.workers;

import dev.gantry.shared.github.GitHubEvents;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.snapstart.OfflineStack;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.webhooks.WebhookDispatcher;

import java.time.Instant;
import java.util.Map;

/**
 * The workers' SnapStart priming ({@link dev.gantry.shared.snapstart.Priming}), one method per
 * worker (each is its own Lambda function): a copy of the handler on an offline stack handles one
 * message of the kind it consumes, chosen so that it runs through parsing, the repositories and the
 * SDK calls without anything to act on (a delivery or job that does not exist, a push for a repo no
 * workspace connected, an outbox item already sent). Nothing leaves the process.
 */
final class WorkerPriming {
    private WorkerPriming() {}

    static void scanWorker(OfflineStack s) {
        s.invoke("scan-worker", new ScanWorkerHandler(s.wiring()),
                OfflineStack.sqs(Json.writeString(Map.of("kind", "scan", "repo_id", "rep_priming", "scan_id", "scn_priming", "rate_limit_retries", 0))));
    }

    static void deployWorker(OfflineStack s) {
        s.invoke("deploy-worker", new DeployWorkerHandler(s.wiring()),
                OfflineStack.sqs(Json.writeString(Map.of("kind", "job", "job_id", "job_priming"))));
    }

    static void gitHubEventsWorker(OfflineStack s) {
        String message = GitHubEvents.message(GitHubEvents.parse("push", "priming-push", Json.readTree(OfflineStack.PUSH)));
        s.invoke("github-events-worker", new GitHubEventsWorkerHandler(s.wiring()), OfflineStack.sqs(message));
    }

    static void webhookFanout(OfflineStack s) {
        Tx tx = new Tx(s.wiring().table());
        var message = s.wiring().events().emit(tx, "ws_priming", "ping", Map.of("priming", true));
        tx.commit();
        s.invoke("webhook-fanout", new WebhookFanoutHandler(s.wiring()), OfflineStack.sqs(message.body()));
    }

    static void webhookDelivery(OfflineStack s) {
        s.invoke("webhook-delivery", new WebhookDeliveryHandler(s.wiring()),
                OfflineStack.sqs(WebhookDispatcher.deliveryMessage("whd_priming", 1, Instant.now())));
    }

    static void outboxStreamRelay(OfflineStack s) {
        s.invoke("outbox-stream-relay", new OutboxStreamRelayHandler(s.wiring()), OfflineStack.streamInsert("OUTBOX#obx_priming", "OUTBOX"));
    }

    static void outboxRelay(OfflineStack s) {
        s.invoke("outbox-relay", new OutboxRelayHandler(s.wiring()), Map.<String, Object>of("source", "aws.events", "detail-type", "Scheduled Event"));
    }

}

package dev.gantry.functions.webhooks;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.webhooks.Events;
import dev.gantry.shared.webhooks.WebhookDispatcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calls the real webhooks handler with API Gateway events, and stands in for SQS: messages sent to
 * the webhook queues are kept (with their delays), and {@link #drain} hands them to the real
 * dispatcher the way the two queue consumers would.
 */
final class WebhooksClient implements QueueSender {
    record Sent(String queue, String body, int delaySeconds) {}

    final Wiring wiring;
    final WebhookHandler handler;
    final List<Sent> sent = new ArrayList<>();
    /** Every message ever sent, for assertions on delays. */
    final List<Sent> history = new ArrayList<>();
    final List<WebhookDispatcher.Outcome> outcomes = new ArrayList<>();
    private final String password = "correct horse battery";
    String email;
    String workspaceId;
    String userId;

    WebhooksClient(Wiring wiring) {
        this.wiring = wiring.queueSender(this);
        this.handler = new WebhookHandler(wiring);
    }

    @Override
    public synchronized void send(String queueName, String body, int delaySeconds) {
        assertThat(delaySeconds).as("SQS delays are 0..900 s").isBetween(0, WebhookDispatcher.MAX_DELAY_SECONDS);
        sent.add(new Sent(queueName, body, delaySeconds));
        history.add(new Sent(queueName, body, delaySeconds));
    }

    synchronized List<Sent> take() {
        List<Sent> batch = new ArrayList<>(sent);
        sent.clear();
        return batch;
    }

    /**
     * Runs queued messages (and the ones they queue) until only messages that are not yet due are
     * left (those are put back, as SQS would hold them for their delay). Answers the outcomes of
     * the delivery messages run.
     */
    List<WebhookDispatcher.Outcome> drain() {
        var dispatcher = wiring.webhookDispatcher();
        List<WebhookDispatcher.Outcome> ran = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            List<Sent> batch = take();
            if (batch.isEmpty()) break;
            boolean progress = false;
            for (Sent m : batch) {
                if (m.queue().equals(Events.FANOUT_QUEUE)) {
                    dispatcher.fanOut(m.body());
                    progress = true;
                } else if (m.queue().equals(Events.DELIVERIES_QUEUE)) {
                    var outcome = dispatcher.deliver(m.body());
                    ran.add(outcome);
                    if (outcome != WebhookDispatcher.Outcome.NOT_DUE && outcome != WebhookDispatcher.Outcome.IN_FLIGHT) progress = true;
                }
            }
            if (!progress) break;
        }
        outcomes.addAll(ran);
        return ran;
    }

    /** Signs up an owner with their own workspace, on the pro plan (room for 20 endpoints) unless told otherwise. */
    void signup(Plan plan) {
        email = "hooks-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        var view = wiring.authService().signup(email, password, "Hooks", null, new Caller(null, "203.0.113.7", "req_test"));
        workspaceId = view.workspace().id();
        userId = view.user().id();
        if (plan != Plan.FREE) wiring.webhooks().workspaces().changePlan(workspaceId, plan);
    }

    /** A fresh access token at the clock's current time (tests move the clock by days). */
    String token() {
        return wiring.authService().login(email, password, workspaceId, new Caller(null, "203.0.113.7", "req_test")).token();
    }

    /** An API key of this workspace with {@code role}. */
    String apiKey(dev.gantry.shared.auth.Role role) {
        var owner = dev.gantry.shared.auth.Principal.user(userId, workspaceId, dev.gantry.shared.auth.Role.OWNER, null);
        return wiring.apiKeyService().create(owner, "key-" + role.wireName(), role, null, dev.gantry.shared.auth.IpAllowlist.empty(),
                new Caller(owner, "203.0.113.7", "req_test")).token();
    }

    /** Emits an event the way a service does: in its transaction, published after the commit. */
    void emit(String type, Object data) {
        Tx tx = new Tx(wiring.table());
        Outbox.Message m = wiring.events().emit(tx, workspaceId, type, data);
        tx.commit();
        wiring.webhooks().outbox().publish(List.of(m));
    }

    Reply call(String method, String path, String body) {
        return call(method, path, body, token(), Map.of());
    }

    Reply call(String method, String path, String body, String token, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        if (token != null) headers.put("authorization", "Bearer " + token);
        APIGatewayV2HTTPResponse r = handler.handleRequest(Http.event(method, path, body, headers), null);
        assertThat(r.getStatusCode()).as("never a 500: %s %s -> %s", method, path, r.getBody()).isNotEqualTo(500);
        return new Reply(r.getStatusCode(), r.getHeaders(), Http.json(r), r.getBody());
    }

    static String json(Object value) {
        return Json.writeString(value);
    }
}

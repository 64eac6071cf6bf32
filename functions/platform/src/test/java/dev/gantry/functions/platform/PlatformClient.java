package dev.gantry.functions.platform;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.Views;
import dev.gantry.shared.platform.ScanRunner;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.Reply;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calls the real platform handler with API Gateway events, and stands in for SQS: messages the
 * functions send are kept, and {@link #drain} hands them to the real workers (scan and job runner)
 * the way the queue consumers would.
 */
final class PlatformClient implements QueueSender {
    record Sent(String queue, String body, int delaySeconds) {}

    final Wiring wiring;
    final PlatformHandler handler;
    final List<Sent> sent = new ArrayList<>();
    /** The webhook events the drained messages announced (their fan-out is the webhooks module's, tested there). */
    final List<String> eventIds = new ArrayList<>();

    PlatformClient(Wiring wiring) {
        this.wiring = wiring.queueSender(this);
        this.handler = new PlatformHandler(wiring);
    }

    @Override
    public synchronized void send(String queueName, String body, int delaySeconds) {
        sent.add(new Sent(queueName, body, delaySeconds));
    }

    /** Runs every queued message (and the ones they queue) up to {@code rounds} times; answers the messages run. */
    List<Sent> drain(int rounds) {
        List<Sent> ran = new ArrayList<>();
        var scans = wiring.scanRunner();
        var jobs = wiring.jobRunner();
        var deploys = wiring.deployRunner();
        for (int i = 0; i < rounds; i++) {
            List<Sent> batch;
            synchronized (this) {
                batch = new ArrayList<>(sent);
                sent.clear();
            }
            if (batch.isEmpty()) break;
            for (Sent m : batch) {
                var node = Json.readTree(m.body());
                if (node.path("kind").asText().equals("webhook_event")) eventIds.add(node.path("event_id").asText());
                else if (node.path("kind").asText().equals("scan")) scans.run(ScanRunner.Message.parse(m.body()), 1);
                else if (!deploys.handle(m.body())) jobs.run(node.path("job_id").asText());
                ran.add(m);
            }
        }
        return ran;
    }

    /** The types of the webhook events announced so far, in order. */
    List<String> eventTypes() {
        return eventIds.stream().map(id -> dev.gantry.shared.webhooks.Events.get(wiring.table(), id)).map(e -> e.type()).toList();
    }

    /** A new user with their own workspace; answers an access token. */
    String signup(String name) {
        return signupAccount(name).token();
    }

    /** A new user with their own workspace (they own it). */
    Views.SignupView signupAccount(String name) {
        String email = name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        return wiring.authService().signup(email, "correct horse battery", name, null, new Caller(null, "203.0.113.7", "req_test"));
    }

    Reply call(String method, String path, String body, String token) {
        return call(method, path, body, token, Map.of());
    }

    Reply call(String method, String path, String body, String token, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        if (token != null) headers.put("authorization", "Bearer " + token);
        APIGatewayV2HTTPResponse r = handler.handleRequest(Http.event(method, path, body, headers), null);
        assertThat(r.getStatusCode()).as("never a 500: %s %s -> %s", method, path, r.getBody()).isNotEqualTo(500);
        return new Reply(r.getStatusCode(), r.getHeaders(), Http.json(r), r.getBody());
    }
}

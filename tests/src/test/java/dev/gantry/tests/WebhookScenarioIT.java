package dev.gantry.tests;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outbound webhooks through the local server as a developer runs it: the webhooks function behind
 * the HTTP front, the outbox, ElasticMQ, and the webhook-deliveries worker polling it (the
 * catalogue's WorkerSpec), delivering a test ping to a receiver on loopback
 * (GANTRY_WEBHOOKS_ALLOW_LOOPBACK=true), signed so that the Standard Webhooks library verifies it.
 */
class WebhookScenarioIT {
    record Received(Map<String, List<String>> headers, String body) {}

    static HttpServer receiver;
    static final List<Received> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hook", exchange -> {
            Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
            received.add(new Received(headers, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
    }

    @Test
    void aTestPingReachesTheReceiverSignedAndIsListedAsSucceeded() throws Exception {
        String who = "hooks-" + UUID.randomUUID().toString().substring(0, 8);
        String token = LocalGantry.call("POST", "/v1/auth/signup",
                "{\"email\":\"" + who + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"Hooks\"}", null).expect(201).text("/token");
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        Reply created = LocalGantry.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"deploy.*\"]}", token).expect(201);
        String id = created.text("/id");
        String secret = created.text("/secret");
        Reply ping = LocalGantry.call("POST", "/v1/webhook-endpoints/" + id + "/test", "{}", token).expect(202);

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (received.isEmpty() && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(received).as("the local worker delivered the ping").hasSize(1);
        Received r = received.get(0);
        assertThat(r.headers().get("webhook-id")).containsExactly(ping.text("/id"));
        new Webhook(secret).verify(r.body(), Map.of("webhook-id", r.headers().get("webhook-id"),
                "webhook-timestamp", r.headers().get("webhook-timestamp"), "webhook-signature", r.headers().get("webhook-signature")));
        assertThat(r.body()).contains("\"type\":\"ping\"");

        String status = null;
        while (System.nanoTime() < deadline) {
            status = LocalGantry.call("GET", "/v1/webhook-endpoints/" + id + "/deliveries", null, token).expect(200).text("/data/0/status");
            if ("succeeded".equals(status)) break;
            Thread.sleep(200);
        }
        assertThat(status).isEqualTo("succeeded");
    }
}

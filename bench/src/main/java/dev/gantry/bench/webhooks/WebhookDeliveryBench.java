package dev.gantry.bench.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.webhooks.DeliveryIds;
import dev.gantry.shared.webhooks.DeliveryRepository;
import dev.gantry.shared.webhooks.UrlGuard;
import dev.gantry.shared.webhooks.WebhookSender;
import dev.gantry.shared.webhooks.WebhookSignatures;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Select;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outbound webhooks through the local server (BENCHMARKS.md, "Outbound webhooks"):
 * <ol>
 * <li>the loopback receiver's own capacity in this run (the limit): {@code requests} POSTs of a
 * typical delivery body, by the JDK HttpClient (keep-alive) and by Gantry's own
 * {@link WebhookSender} (a new connection per request, as every delivery), from 1 thread (what the
 * local server's delivery worker uses: one poller, batches handled one message after the other)
 * and from 8;</li>
 * <li>deliveries per second: one {@code deploy.succeeded} event in a workspace with 100 endpoints
 * on that receiver, emitted with {@code Events.emit} in a transaction and published, timed until
 * the receiver has had 100 deliveries and all 100 are recorded {@code succeeded}. The real path:
 * ElasticMQ, the fan-out worker, the delivery worker, DynamoDB Local. {@code events} rounds, after
 * one warm-up round; every signature is checked against the secret shown at creation;</li>
 * <li>events per second through the outbox relay: {@code relayEvents} events emitted by 4 writers
 * and never published (as if every writer died after its commit), timed until no outbox item is
 * left (the local server's table-stream relay; its scheduled sweep only takes items older than
 * 30 s).</li>
 * </ol>
 * Usage: {@code WebhookDeliveryBench [events=5] [relayEvents=500] [requests=2000]}
 */
public final class WebhookDeliveryBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int ENDPOINTS = 100;
    private static String base;

    /** One request the receiver got. */
    record Got(String path, String id, String timestamp, String signature, String body) {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int relayEvents = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;

        // the loopback receiver: JDK HttpServer, 16 threads, reads the body and answers 204
        AtomicInteger received = new AtomicInteger();
        ConcurrentLinkedQueue<Got> log = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        ExecutorService receiverPool = Executors.newFixedThreadPool(16);
        receiver.setExecutor(receiverPool);
        receiver.createContext("/", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) { body = in.readAllBytes(); }
            String path = ex.getRequestURI().getPath();
            if (path.startsWith("/hook/")) {
                var h = ex.getRequestHeaders();
                log.add(new Got(path, h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"), h.getFirst("webhook-signature"),
                        new String(body, StandardCharsets.UTF_8)));
            }
            received.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String receiverBase = "http://127.0.0.1:" + receiver.getAddress().getPort();
        String sample = "{\"type\":\"deploy.succeeded\",\"timestamp\":\"" + Instant.now() + "\",\"data\":{\"deploy_id\":\"dep_01JBENCH000000000000000000\","
                + "\"environment_id\":\"env_01JBENCH000000000000000000\",\"repo_id\":\"repo_01JBENCH00000000000000000\",\"commit_sha\":\""
                + "a".repeat(40) + "\",\"status\":\"succeeded\"}}";

        try {
            // 1. the receiver's capacity
            System.out.printf("receiver capacity, %d POSTs of a %d-byte delivery body each:%n", requests, sample.length());
            UrlGuard.Target target = new UrlGuard(UrlGuard.HostResolver.SYSTEM, true).check(receiverBase + "/capacity");
            WebhookSender sender = new WebhookSender();
            Map<String, String> headers = Map.of("webhook-id", "msg_bench", "webhook-timestamp", "1700000000",
                    "webhook-signature", WebhookSignatures.sign(WebhookSignatures.newSecret(), "msg_bench", 1700000000L, sample));
            HttpRequest post = HttpRequest.newBuilder(URI.create(receiverBase + "/capacity")).POST(HttpRequest.BodyPublishers.ofString(sample))
                    .header("Content-Type", "application/json").headers(flat(headers)).build();
            Call httpClient = () -> HTTP.send(post, HttpResponse.BodyHandlers.discarding()).statusCode();
            Call webhookSender = () -> sender.post(target, headers, sample, Duration.ofSeconds(10)).statusCode();
            capacity("JDK HttpClient (keep-alive)", httpClient, 1, requests / 4); // warm-up
            capacity("WebhookSender (connection per request)", webhookSender, 1, requests / 4);
            Map<String, Double> limit = new LinkedHashMap<>();
            for (int threads : new int[] {1, 8}) {
                limit.put("httpclient-" + threads, report(capacity("JDK HttpClient (keep-alive)", httpClient, threads, requests), threads,
                        "JDK HttpClient (keep-alive)"));
                limit.put("sender-" + threads, report(capacity("WebhookSender", webhookSender, threads, requests), threads,
                        "WebhookSender (a new connection per request, as a delivery)"));
            }

            // 2. one event, 100 endpoints, through the local server
            try (LocalServer server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4)
                    .with("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"))) {
                base = server.baseUrl().toString();
                Wiring wiring = new Wiring(server.config(), Clock.tickMillis(ZoneOffset.UTC), null, List.of());
                JsonNode signup = signup();
                String token = signup.get("token").asText();
                String workspace = signup.at("/workspace/id").asText();
                json("POST", "/v1/subscription/change", "{\"plan\":\"team\"}", token);
                Map<String, String> secretByPath = new LinkedHashMap<>();
                Map<String, String> endpointByPath = new LinkedHashMap<>();
                for (int i = 0; i < ENDPOINTS; i++) {
                    String path = "/hook/" + i;
                    JsonNode e = json("POST", "/v1/webhook-endpoints", "{\"url\":\"" + receiverBase + path + "\",\"events\":[\"*\"]}", token);
                    secretByPath.put(path, e.get("secret").asText());
                    endpointByPath.put(path, e.get("id").asText());
                }
                System.out.printf("%n%d endpoints on the receiver; one deploy.succeeded event per round (round 0 is warm-up, not counted):%n", ENDPOINTS);
                double[] perSecond = new double[events];
                for (int round = 0; round <= events; round++) {
                    log.clear();
                    Thread.sleep(500); // let the previous round's last worker writes settle
                    long t0 = System.nanoTime();
                    Tx tx = new Tx(wiring.table());
                    Outbox.Message m = wiring.events().emit(tx, workspace, "deploy.succeeded",
                            Map.of("deploy_id", "dep_bench_" + round, "status", "succeeded"));
                    tx.commit();
                    wiring.events().publish(m);
                    String eventId = JSON.readTree(m.body()).get("event_id").asText();
                    long first = 0;
                    while (log.size() < ENDPOINTS) {
                        if (first == 0 && !log.isEmpty()) first = System.nanoTime();
                        if (System.nanoTime() - t0 > 120_000_000_000L) throw new IllegalStateException("only " + log.size() + " deliveries in 120 s");
                        Thread.sleep(2);
                    }
                    if (first == 0) first = System.nanoTime();
                    long allReceived = System.nanoTime();
                    Set<String> pending = new HashSet<>(endpointByPath.values());
                    while (!pending.isEmpty()) {
                        pending.removeIf(ep -> {
                            var d = wiring.webhooks().deliveries().get(DeliveryIds.of(eventId, ep));
                            return d != null && DeliveryRepository.SUCCEEDED.equals(d.status());
                        });
                        if (!pending.isEmpty()) Thread.sleep(5);
                    }
                    long allRecorded = System.nanoTime();
                    // every request signed with its endpoint's secret, one per endpoint, webhook-id = the delivery's id
                    Set<String> ids = new HashSet<>();
                    for (Got g : log) {
                        String expected = WebhookSignatures.sign(secretByPath.get(g.path()), g.id(), Long.parseLong(g.timestamp()), g.body());
                        if (!Arrays.asList(g.signature().split(" ")).contains(expected)) throw new IllegalStateException("bad signature on " + g.path());
                        if (!g.id().equals(DeliveryIds.of(eventId, endpointByPath.get(g.path())))) throw new IllegalStateException("unexpected id");
                        ids.add(g.id());
                    }
                    if (ids.size() != ENDPOINTS || log.size() != ENDPOINTS) throw new IllegalStateException(log.size() + " requests, " + ids.size() + " ids");
                    double seconds = (allRecorded - t0) / 1e9;
                    System.out.printf("  round %d: first delivery after %.0f ms, 100 received after %.0f ms, 100 recorded succeeded after %.0f ms: %.0f deliveries/s%s%n",
                            round, (first - t0) / 1e6, (allReceived - t0) / 1e6, seconds * 1e3, ENDPOINTS / seconds, round == 0 ? " (warm-up)" : "");
                    if (round > 0) perSecond[round - 1] = ENDPOINTS / seconds;
                }
                Arrays.sort(perSecond);
                System.out.printf("deliveries/s over %d events: min %.0f, median %.0f, max %.0f (receiver limit at 1 thread: %.0f req/s by WebhookSender, %.0f by HttpClient)%n",
                        events, perSecond[0], perSecond[events / 2], perSecond[events - 1], limit.get("sender-1"), limit.get("httpclient-1"));

                // 3. the outbox relay: events committed, never published
                JsonNode other = signup(); // a workspace without endpoints: the fan-out of these events creates nothing
                String quiet = other.at("/workspace/id").asText();
                while (pendingOutbox(wiring) > 0) Thread.sleep(100);
                ExecutorService writers = Executors.newFixedThreadPool(4);
                long t0 = System.nanoTime();
                List<Future<?>> written = new ArrayList<>();
                AtomicLong next = new AtomicLong();
                for (int w = 0; w < 4; w++) {
                    written.add(writers.submit(() -> {
                        for (long n = next.getAndIncrement(); n < relayEvents; n = next.getAndIncrement()) {
                            Tx tx = new Tx(wiring.table());
                            wiring.events().emit(tx, quiet, "deploy.succeeded", Map.of("deploy_id", "dep_relay_" + n));
                            tx.commit(); // and the writer "dies": no publish
                        }
                        return null;
                    }));
                }
                for (Future<?> f : written) f.get();
                long allWritten = System.nanoTime();
                writers.shutdown();
                int left;
                while ((left = pendingOutbox(wiring)) > 0) {
                    if (System.nanoTime() - t0 > 300_000_000_000L) throw new IllegalStateException(left + " outbox items left after 300 s");
                    Thread.sleep(20);
                }
                long drained = System.nanoTime();
                double seconds = (drained - t0) / 1e9;
                System.out.printf("%nrelay: %d events committed without publishing by 4 writers in %.2f s (%.0f commits/s); outbox empty %.2f s after the first write"
                                + " (%.2f s after the last): %.0f events/s relayed to webhook-fanout%n",
                        relayEvents, (allWritten - t0) / 1e9, relayEvents / ((allWritten - t0) / 1e9), seconds, (drained - allWritten) / 1e9,
                        relayEvents / seconds);
            }
        } finally {
            receiver.stop(0);
            receiverPool.shutdownNow();
        }
    }

    interface Call { int call() throws Exception; }

    private static double report(double perSecond, int threads, String what) {
        System.out.printf("  %-60s %d thread(s): %6.0f requests/s%n", what, threads, perSecond);
        return perSecond;
    }

    /** Requests per second answered 2xx, {@code total} requests spread over {@code threads} threads. */
    private static double capacity(String what, Call call, int threads, int total) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                while (next.getAndIncrement() < total) {
                    int code = call.call();
                    if (code < 200 || code >= 300) throw new IllegalStateException(what + " got " + code);
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        return total / ((System.nanoTime() - t0) / 1e9);
    }

    private static int pendingOutbox(Wiring wiring) {
        int count = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var r = wiring.table().query(b -> b.indexName(Keys.GSI1).keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.OUTBOX_PENDING))).select(Select.COUNT).exclusiveStartKey(from));
            count += r.count();
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return count;
    }

    private static String[] flat(Map<String, String> headers) {
        List<String> out = new ArrayList<>();
        headers.forEach((k, v) -> { out.add(k); out.add(v); });
        return out.toArray(String[]::new);
    }

    private static JsonNode signup() throws Exception {
        return json("POST", "/v1/auth/signup", "{\"email\":\"bench-" + UUID.randomUUID().toString().substring(0, 8)
                + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"Bench\"}", null);
    }

    private static JsonNode json(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }
}

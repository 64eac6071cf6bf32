package dev.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.webhooks.DeliveryRepository;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the sample events point at, made in the local server the benchmark starts, and the
 * placeholders of the events filled with it (events/README.md lists them):
 * <ul>
 *   <li>{@code {{token}}}: an access token of a user signed up over HTTP (owner of a free workspace);</li>
 *   <li>{@code {{repo_id}}}: a repo that user connected ({@code POST /v1/repos});</li>
 *   <li>{@code {{endpoint_id}}}: a webhook endpoint of that workspace, pointed at a receiver on
 *       loopback that this class runs (it answers 204);</li>
 *   <li>{@code {{webhook_delivery_id}}} (new for every cold start): a pending delivery to that
 *       endpoint, written straight to the table, whose first attempt the child then makes;</li>
 *   <li>{@code {{now}}} (every cold start): the current instant.</li>
 * </ul>
 * An event with an {@code x-hub-signature-256} header (a GitHub delivery) gets a new
 * {@code x-github-delivery} id for every cold start and is signed again with the local server's
 * GitHub webhook secret, so each child records a new delivery rather than a repeat.
 *
 * <p>Fixtures are made on first use, so a run of one function makes only what its events need.
 */
final class Fixtures implements AutoCloseable {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
    static final Set<String> KNOWN = Set.of("token", "repo_id", "endpoint_id", "webhook_delivery_id", "now");
    /** Placeholders whose value is new for every cold start. */
    private static final Set<String> PER_RUN = Set.of("webhook_delivery_id", "now");

    private final LocalServer server;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicInteger received = new AtomicInteger();
    private String token;
    private String workspaceId;
    private String repoId;
    private String endpointId;
    private HttpServer receiver;
    private Wiring wiring;

    Fixtures(LocalServer server) {
        this.server = server;
    }

    /** The placeholders in an event's text. Unknown ones are an error. */
    static Set<String> placeholders(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (!KNOWN.contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {{" + m.group(1) + "}} (known: " + new TreeSet<>(KNOWN) + ")");
            }
            found.add(m.group(1));
        }
        return found;
    }

    /** True when the event must be written again for every cold start. */
    static boolean perRun(String text) {
        return placeholders(text).stream().anyMatch(PER_RUN::contains) || text.contains("\"x-hub-signature-256\"");
    }

    /** The event with its placeholders filled (per-run ones with new values) and a GitHub delivery signed again. */
    String render(String template) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String p : placeholders(template)) values.put(p, value(p));
        String text = template;
        for (Map.Entry<String, String> e : values.entrySet()) text = text.replace("{{" + e.getKey() + "}}", e.getValue());
        return text.contains("\"x-hub-signature-256\"") ? resignGitHubDelivery(text) : text;
    }

    private String value(String placeholder) {
        return switch (placeholder) {
            case "token" -> token();
            case "repo_id" -> repoId();
            case "endpoint_id" -> endpointId();
            case "webhook_delivery_id" -> pendingDelivery();
            case "now" -> Instant.now().toString();
            default -> throw new IllegalArgumentException("unknown placeholder " + placeholder);
        };
    }

    /** Deliveries the loopback receiver answered (children that made their attempt). */
    int received() {
        return received.get();
    }

    String token() {
        if (token == null) {
            String email = "coldstart-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
            JsonNode r = call("POST", "/v1/auth/signup", null,
                    Map.of("email", email, "password", "correct horse battery", "name", "Cold Start"), 201);
            token = r.path("token").asText(null);
            workspaceId = r.path("workspace").path("id").asText(null);
            if (token == null || workspaceId == null) throw new IllegalStateException("signup answered no token or workspace: " + r);
        }
        return token;
    }

    String repoId() {
        if (repoId == null) {
            repoId = call("POST", "/v1/repos", token(), Map.of("full_name", "coldstart/app-" + UUID.randomUUID().toString().substring(0, 8)), 201)
                    .path("id").asText();
        }
        return repoId;
    }

    String endpointId() {
        if (endpointId == null) {
            startReceiver();
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            // One event type nothing in the benchmark emits: the local server fans out no deliveries of its own to it.
            endpointId = call("POST", "/v1/webhook-endpoints", token(), Map.of("url", url, "events", List.of("deploy.succeeded")), 201)
                    .path("id").asText();
        }
        return endpointId;
    }

    /** A new pending delivery to the benchmark's endpoint, written as the fan-out would (no queue message: the event carries it). */
    private String pendingDelivery() {
        String endpoint = endpointId();
        if (wiring == null) wiring = new Wiring(server.config(), Clock.systemUTC(), null, List.of());
        Instant now = Instant.now();
        String eventId = "evt_coldstart" + UUID.randomUUID().toString().replace("-", "");
        String id = dev.gantry.shared.webhooks.DeliveryIds.of(eventId, endpoint);
        String payload = "{\"type\":\"deploy.succeeded\",\"timestamp\":\"" + now + "\",\"data\":{\"deploy_id\":\"dep_coldstart\"}}";
        Tx tx = new Tx(wiring.table());
        wiring.webhooks().deliveries().create(tx, new DeliveryRepository.Delivery(id, workspaceId, endpoint, eventId, "deploy.succeeded",
                payload, DeliveryRepository.PENDING, 0, null, null, now, now, null), new IllegalStateException("delivery " + id + " exists"));
        tx.commit();
        return id;
    }

    private void startReceiver() {
        if (receiver != null) return;
        try {
            receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("the webhook receiver did not start", e);
        }
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    /** A new delivery id, and the signature GitHub would send with the local server's webhook secret. */
    private String resignGitHubDelivery(String text) {
        try {
            ObjectNode event = (ObjectNode) json.readTree(text);
            ObjectNode headers = (ObjectNode) event.get("headers");
            String body = event.path("body").asText("");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(server.githubWebhookSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            headers.put("x-hub-signature-256", "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8))));
            headers.put("x-github-delivery", UUID.randomUUID().toString());
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(event);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("could not sign the GitHub delivery again: " + e.getMessage(), e);
        }
    }

    private JsonNode call(String method, String path, String bearer, Map<String, Object> body, int expected) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                    .header("content-type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            if (bearer != null) b.header("authorization", "Bearer " + bearer);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != expected) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " over HTTP failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (receiver != null) receiver.stop(0);
        if (wiring != null) wiring.dynamo().close();
    }
}

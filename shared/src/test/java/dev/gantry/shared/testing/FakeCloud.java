package dev.gantry.shared.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the fake clouds ({@link FakeHetzner}, {@link FakeDigitalOcean}) share: a JDK HttpServer on
 * 127.0.0.1 (a free port) mounted under a path prefix, so a client that drops its base URL's path
 * fails; a set of valid tokens; failure injection; a request log.
 * <p>
 * Order of a request: logged; if {@link #down()}, 503; if an injected failure matches, that;
 * a missing or unknown bearer token, 401; then the endpoint.
 */
public abstract class FakeCloud implements AutoCloseable {
    protected static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the fake received it (header names lower-cased; path without the mount prefix). */
    public record Recorded(String method, String path, String query, Map<String, String> headers, String body) {}

    private record Injected(String pathPrefix, int status, long retryAfterSeconds, int[] remaining) {}

    /** A request as the endpoints see it. */
    protected record Call(String method, String path, String query, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return body.isEmpty() ? null : JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** An answer: status, JSON body (null for none) and extra headers. */
    protected record Answer(int status, Object body, Map<String, String> headers) {
        public static Answer of(int status, Object body) { return new Answer(status, body, Map.of()); }
    }

    /**
     * What a fake's monitoring endpoints report for a server, as machine-wide percentages (null:
     * not measured). Each fake renders it in its provider's shape (Hetzner: per-vCPU CPU only;
     * DigitalOcean: cumulative CPU seconds per mode, memory and filesystem bytes).
     */
    public record FakeMetrics(Double cpuPct, Double memPct, Double diskPct) {}

    private final Map<Long, FakeMetrics> metrics = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final String mount;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong nextId;
    protected volatile Clock clock = Clock.systemUTC();

    protected FakeCloud(String mount, String threadName, long firstId) {
        this.mount = mount;
        this.nextId = new AtomicLong(firstId);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new IllegalStateException("the fake " + threadName + " did not start", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The base URL to configure the driver with (it has a path: the fake's mount prefix). */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + mount);
    }

    /** Accept this bearer token from now on. */
    public FakeCloud validToken(String token) {
        tokens.add(token);
        return this;
    }

    /** The clock the rate-limit headers are computed on (share a movable clock with the driver for exact waits). */
    public FakeCloud clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** The next {@code times} requests whose path starts with {@code pathPrefix} (e.g. {@code /v1/servers}) answer {@code status} with a provider-shaped error. */
    public void failNext(String pathPrefix, int status, int times) {
        injected.add(new Injected(pathPrefix, status, -1, new int[]{times}));
    }

    /** The next {@code times} matching requests answer 429 with rate-limit headers asking to wait {@code retryAfterSeconds}. */
    public void rateLimitNext(String pathPrefix, long retryAfterSeconds, int times) {
        injected.add(new Injected(pathPrefix, 429, retryAfterSeconds, new int[]{times}));
    }

    /** Every request answers 503 until {@link #up()}. */
    public void down() { down.set(true); }

    public void up() { down.set(false); }

    public List<Recorded> requests() { return List.copyOf(requests); }

    /** From now on the server's monitoring reports these values (a server without any reports none: an empty series). */
    public void metrics(long serverId, Double cpuPct, Double memPct, Double diskPct) {
        metrics.put(serverId, new FakeMetrics(cpuPct, memPct, diskPct));
    }

    /** The server's monitoring reports nothing again (a DigitalOcean droplet without the agent). */
    public void clearMetrics(long serverId) { metrics.remove(serverId); }

    /** Forgets the log and injected failures (state and tokens stay). */
    public void reset() {
        requests.clear();
        injected.clear();
        down.set(false);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ------------------------------------------------------------------------------------------ for the providers

    protected long nextId() { return nextId.getAndIncrement(); }

    /** What the server's monitoring reports, or null for nothing. */
    protected FakeMetrics metricsOf(long serverId) { return metrics.get(serverId); }

    /** A raw query string's parameters, URL-decoded (the last value of a repeated one wins). */
    protected static Map<String, String> params(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq), v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(java.net.URLDecoder.decode(k, StandardCharsets.UTF_8), java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The endpoint's answer, or null for no such endpoint (a provider-shaped 404). */
    protected abstract Answer route(Call call);

    /** A provider-shaped error body for a status. */
    protected abstract Object errorBody(int status);

    /** Rate-limit headers on a 429 asking to wait {@code seconds} for one more request. */
    protected abstract Map<String, String> rateLimitHeaders(long seconds);

    /** Headers every answer carries (e.g. rate-limit counters). */
    protected Map<String, String> commonHeaders() { return Map.of(); }

    // ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String raw = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            String path = raw.startsWith(mount + "/") ? raw.substring(mount.length()) : null;
            requests.add(new Recorded(ex.getRequestMethod(), path == null ? raw : path, query, headers, body));
            if (path == null) {
                send(ex, Answer.of(404, errorBody(404)));
                return;
            }
            if (down.get()) {
                send(ex, Answer.of(503, errorBody(503)));
                return;
            }
            Injected failure = takeInjected(path);
            if (failure != null) {
                Map<String, String> extra = failure.retryAfterSeconds() >= 0 ? rateLimitHeaders(failure.retryAfterSeconds()) : Map.of();
                send(ex, new Answer(failure.status(), errorBody(failure.status()), extra));
                return;
            }
            String auth = headers.getOrDefault("authorization", "");
            if (!auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
                send(ex, Answer.of(401, errorBody(401)));
                return;
            }
            Answer answer = route(new Call(ex.getRequestMethod(), path, query, headers, body));
            send(ex, answer != null ? answer : Answer.of(404, errorBody(404)));
        }
    }

    private synchronized Injected takeInjected(String path) {
        for (Iterator<Injected> it = injected.iterator(); it.hasNext(); ) {
            Injected i = it.next();
            if (!path.startsWith(i.pathPrefix()) || i.remaining()[0] <= 0) continue;
            if (--i.remaining()[0] == 0) injected.remove(i);
            return i;
        }
        return null;
    }

    private void send(HttpExchange ex, Answer answer) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>(commonHeaders());
        headers.putAll(answer.headers());
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        if (answer.body() == null) {
            ex.sendResponseHeaders(answer.status(), -1);
            return;
        }
        byte[] b = JSON.writeValueAsBytes(answer.body());
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(answer.status(), b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** A mutable JSON object in insertion order (null values kept, as the providers send them). */
    protected static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    protected static List<Object> list(Object... items) {
        return new ArrayList<>(List.of(items));
    }
}

package dev.gantry.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link ComputeProvider} for Hetzner Cloud over the JDK's HTTP client, against the endpoints as
 * Hetzner documents them (https://docs.hetzner.cloud):
 * <ul>
 * <li>{@code GET /v1/locations} verifies a token (every token may read it) and lists the regions.</li>
 * <li>{@code POST /v1/servers} {@code {name, server_type, location, image, labels}} → 201 {@code {server, action, …}}.</li>
 * <li>{@code GET /v1/servers/{id}} → {@code {server}}; {@code DELETE /v1/servers/{id}} → 200 {@code {action}}.</li>
 * <li>{@code GET /v1/servers/{id}/metrics?type=cpu&start&end&step} → {@code {metrics: {start, end, step,
 *     time_series: {cpu: {values: [[unix_ts, "value"], …]}}}}}. Hetzner's CPU value is per vCPU (100 is
 *     one busy vCPU), so it is divided by the server type's {@code cores}, read from the server.</li>
 * </ul>
 * Errors come as {@code {"error": {"code", "message", "details"}}}. On 429 Hetzner sends no
 * Retry-After, but {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset}
 * (the Unix time at which the bucket is <em>full</em> again); since it refills at a steady rate, the
 * wait for one request is {@code (reset - now) / (limit - remaining)}, which is what is carried.
 */
public final class HetznerCloud implements ComputeProvider {
    public static final URI DEFAULT_URL = URI.create("https://api.hetzner.cloud");
    public static final String NAME = "hetzner";
    static final String DISPLAY_NAME = "Hetzner Cloud";
    static final String DEFAULT_REGION = "fsn1";

    private final ProviderHttp http;
    private final Retry retry;

    public HetznerCloud(URI baseUrl, Retry retry) {
        this(baseUrl, retry, Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    /** @param clock turns the rate-limit reset epoch into a wait */
    public HetznerCloud(URI baseUrl, Retry retry, Clock clock, Duration connectTimeout, Duration requestTimeout) {
        this.retry = retry;
        this.http = new ProviderHttp(DISPLAY_NAME, baseUrl, clock, connectTimeout, requestTimeout,
                body -> ProviderHttp.text(body.path("error"), "message"), HetznerCloud::rateLimitWait);
    }

    @Override public String name() { return NAME; }

    @Override public String defaultInstanceType() { return "cx22"; }

    @Override
    public Account verify(String apiToken) {
        JsonNode json = retry.call(() -> ok(http.send("GET", "/v1/locations?per_page=50", apiToken, null, "GET /v1/locations"), apiToken));
        JsonNode locations = json.get("locations");
        if (locations == null || !locations.isArray()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        List<String> regions = new ArrayList<>();
        for (JsonNode l : locations) {
            String name = ProviderHttp.text(l, "name");
            if (name != null && !name.isBlank()) regions.add(name);
        }
        if (regions.isEmpty()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        return new Account(regions.contains(DEFAULT_REGION) ? DEFAULT_REGION : regions.getFirst(), regions);
    }

    @Override
    public Server create(String apiToken, CreateServer spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("server_type", spec.instanceType());
        body.put("location", spec.region());
        body.put("image", spec.image());
        body.put("labels", spec.labels());
        JsonNode json = retry.callOnce(() -> ok(http.send("POST", "/v1/servers", apiToken, body, "POST /v1/servers"), apiToken));
        return server(json.get("server"));
    }

    @Override
    public Optional<Server> get(String apiToken, String serverId) {
        String path = "/v1/servers/" + numericId(serverId);
        return retry.call(() -> {
            ProviderHttp.Reply reply = http.send("GET", path, apiToken, null, "GET /v1/servers/{id}");
            if (reply.status() == 404) return Optional.<Server>empty();
            return Optional.of(server(ok(reply, apiToken).get("server")));
        });
    }

    @Override
    public void delete(String apiToken, String serverId) {
        String path = "/v1/servers/" + numericId(serverId);
        retry.run(() -> {
            ProviderHttp.Reply reply = http.send("DELETE", path, apiToken, null, "DELETE /v1/servers/{id}");
            if (reply.status() == 404 || reply.ok()) return; // 200 {action}; 404: already gone
            throw http.failure(reply, apiToken);
        });
    }

    /** The window asked for: a few samples at Hetzner's finest useful step. */
    static final Duration METRICS_WINDOW = Duration.ofMinutes(5);

    /**
     * CPU only: Hetzner measures no memory, and its disk metrics are IOPS and bandwidth, not a fill
     * level, so {@code memPct} and {@code diskPct} are always null. The server and its metrics are
     * read at once, one attempt each.
     */
    @Override
    public Optional<Metrics> metrics(String apiToken, String serverId, Instant now) {
        String id = numericId(serverId);
        Instant end = now.truncatedTo(ChronoUnit.SECONDS);
        String query = "?type=cpu&start=" + end.minus(METRICS_WINDOW) + "&end=" + end + "&step=60";
        List<Supplier<JsonNode>> calls = List.of(
                () -> okOrNull(http.send("GET", "/v1/servers/" + id, apiToken, null, "GET /v1/servers/{id}", ProviderHttp.METRICS_TIMEOUT), apiToken),
                () -> okOrNull(http.send("GET", "/v1/servers/" + id + "/metrics" + query, apiToken, null,
                        "GET /v1/servers/{id}/metrics", ProviderHttp.METRICS_TIMEOUT), apiToken));
        List<JsonNode> replies = ProviderHttp.all(calls);
        JsonNode server = replies.get(0), metrics = replies.get(1);
        if (server == null || metrics == null) return Optional.empty();
        JsonNode series = metrics.path("metrics").path("time_series");
        if (!series.isObject()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        Instant latestAt = null;
        Double latest = null;
        for (JsonNode point : series.path("cpu").path("values")) {
            Instant at = ProviderHttp.sampleTime(point.path(0));
            Double value = ProviderHttp.sampleValue(point.get(1));
            if (at == null || value == null) continue;
            if (latestAt == null || at.isAfter(latestAt)) {
                latestAt = at;
                latest = value;
            }
        }
        if (latest == null) return Optional.of(Metrics.NONE);
        int cores = server.path("server").path("server_type").path("cores").asInt(1);
        return Optional.of(new Metrics(ProviderHttp.clampPct(latest / Math.max(cores, 1)), null, null, latestAt));
    }

    // ---------------------------------------------------------------------------------------------

    /** A 2xx answer's JSON, null for a 404, else the failure. */
    private JsonNode okOrNull(ProviderHttp.Reply reply, String token) {
        if (reply.status() == 404) return null;
        return ok(reply, token);
    }

    private JsonNode ok(ProviderHttp.Reply reply, String token) {
        if (!reply.ok()) throw http.failure(reply, token);
        return http.json(reply);
    }

    private Server server(JsonNode s) {
        if (s == null || !s.isObject() || !s.path("id").canConvertToLong()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        JsonNode ipv4 = s.path("public_net").path("ipv4");
        return new Server(
                Long.toString(s.get("id").longValue()),
                status(ProviderHttp.text(s, "status")),
                ipv4.isObject() ? ProviderHttp.text(ipv4, "ip") : null,
                ProviderHttp.text(s.path("datacenter").path("location"), "name"),
                ProviderHttp.text(s.path("server_type"), "name"));
    }

    /**
     * Hetzner's statuses: initializing, starting, running, stopping, off, deleting, migrating,
     * rebuilding, unknown. Stopping counts as off; anything on its way to running is provisioning.
     */
    static String status(String hetzner) {
        if (hetzner == null) return PROVISIONING;
        return switch (hetzner) {
            case "running" -> RUNNING;
            case "off", "stopping" -> OFF;
            case "deleting" -> DELETING;
            default -> PROVISIONING;
        };
    }

    static Duration rateLimitWait(HttpHeaders headers, Instant now) {
        Optional<Instant> reset = ProviderHttp.epochHeader(headers, "RateLimit-Reset");
        if (reset.isEmpty()) return null;
        Duration untilFull = ProviderHttp.untilOrZero(now, reset.get());
        Optional<Long> limit = ProviderHttp.longHeader(headers, "RateLimit-Limit");
        long remaining = ProviderHttp.longHeader(headers, "RateLimit-Remaining").orElse(0L);
        if (limit.isEmpty() || limit.get() <= remaining) return untilFull;
        long missing = limit.get() - remaining;
        long millis = (untilFull.toMillis() + missing - 1) / missing; // round up
        return Duration.ofMillis(millis);
    }

    /** Hetzner ids are integers; anything else is refused before it could change the request path. */
    static String numericId(String serverId) {
        if (serverId == null || !serverId.matches("[0-9]{1,19}")) throw new IllegalArgumentException("not a Hetzner Cloud server id");
        return serverId;
    }
}

package dev.gantry.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ComputeProvider} for Hetzner Cloud over the JDK's HTTP client, against the endpoints as
 * Hetzner documents them (https://docs.hetzner.cloud):
 * <ul>
 * <li>{@code GET /v1/locations} verifies a token (every token may read it) and lists the regions.</li>
 * <li>{@code POST /v1/servers} {@code {name, server_type, location, image, labels}} → 201 {@code {server, action, …}}.</li>
 * <li>{@code GET /v1/servers/{id}} → {@code {server}}; {@code DELETE /v1/servers/{id}} → 200 {@code {action}}.</li>
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

    // ---------------------------------------------------------------------------------------------

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

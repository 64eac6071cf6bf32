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
import java.util.function.Supplier;

/**
 * {@link ComputeProvider} for DigitalOcean over the JDK's HTTP client, against the endpoints as
 * DigitalOcean documents them (https://docs.digitalocean.com/reference/api/):
 * <ul>
 * <li>{@code GET /v2/account} verifies a token (401, or 403 for a token without account read
 *     access, means it is refused), then {@code GET /v2/regions} lists where droplets may go.</li>
 * <li>{@code POST /v2/droplets} {@code {name, region, size, image, tags}} → 202 {@code {droplet, links}}.</li>
 * <li>{@code GET /v2/droplets/{id}} → {@code {droplet}}; {@code DELETE /v2/droplets/{id}} → 204.</li>
 * <li>{@code GET /v2/monitoring/metrics/droplet/{cpu,memory_available,memory_total,filesystem_free,filesystem_size}
 *     ?host_id&start&end} (Unix seconds) → Prometheus-style {@code {status, data: {resultType: matrix,
 *     result: [{metric: {labels}, values: [[ts, "v"], …]}]}}}; a droplet without the monitoring
 *     agent answers an empty {@code result}.</li>
 * </ul>
 * Errors come as {@code {"id", "message", "request_id"}}. On 429 DigitalOcean sends
 * {@code ratelimit-reset}, the Unix time at which the oldest request in its sliding window
 * expires, i.e. when one more request will be accepted; that is the wait carried.
 * <p>
 * DigitalOcean has tags, not labels: each label becomes a {@code key:value} tag, with characters
 * tags may not hold (anything but letters, digits, {@code : - _}) replaced by {@code _}.
 */
public final class DigitalOcean implements ComputeProvider {
    public static final URI DEFAULT_URL = URI.create("https://api.digitalocean.com");
    public static final String NAME = "digitalocean";
    static final String DISPLAY_NAME = "DigitalOcean";
    static final String DEFAULT_REGION = "nyc3";

    private final ProviderHttp http;
    private final Retry retry;

    public DigitalOcean(URI baseUrl, Retry retry) {
        this(baseUrl, retry, Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    /** @param clock turns the rate-limit reset epoch into a wait */
    public DigitalOcean(URI baseUrl, Retry retry, Clock clock, Duration connectTimeout, Duration requestTimeout) {
        this.retry = retry;
        this.http = new ProviderHttp(DISPLAY_NAME, baseUrl, clock, connectTimeout, requestTimeout,
                body -> ProviderHttp.text(body, "message"), DigitalOcean::rateLimitWait);
    }

    @Override public String name() { return NAME; }

    @Override public String defaultInstanceType() { return "s-1vcpu-1gb"; }

    @Override
    public Account verify(String apiToken) {
        retry.call(() -> {
            ProviderHttp.Reply reply = http.send("GET", "/v2/account", apiToken, null, "GET /v2/account");
            if (reply.status() == 403) throw ProviderException.invalidToken(DISPLAY_NAME, 403);
            return ok(reply, apiToken);
        });
        JsonNode json = retry.call(() -> ok(http.send("GET", "/v2/regions?per_page=200", apiToken, null, "GET /v2/regions"), apiToken));
        JsonNode all = json.get("regions");
        if (all == null || !all.isArray()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        List<String> regions = new ArrayList<>();
        for (JsonNode r : all) {
            String slug = ProviderHttp.text(r, "slug");
            if (slug != null && !slug.isBlank() && r.path("available").asBoolean(false)) regions.add(slug);
        }
        if (regions.isEmpty()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        return new Account(regions.contains(DEFAULT_REGION) ? DEFAULT_REGION : regions.getFirst(), regions);
    }

    @Override
    public Server create(String apiToken, CreateServer spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", spec.name());
        body.put("region", spec.region());
        body.put("size", spec.instanceType());
        body.put("image", spec.image());
        body.put("tags", tags(spec.labels()));
        JsonNode json = retry.callOnce(() -> ok(http.send("POST", "/v2/droplets", apiToken, body, "POST /v2/droplets"), apiToken));
        return server(json.get("droplet"));
    }

    @Override
    public Optional<Server> get(String apiToken, String serverId) {
        String path = "/v2/droplets/" + numericId(serverId);
        return retry.call(() -> {
            ProviderHttp.Reply reply = http.send("GET", path, apiToken, null, "GET /v2/droplets/{id}");
            if (reply.status() == 404) return Optional.<Server>empty();
            return Optional.of(server(ok(reply, apiToken).get("droplet")));
        });
    }

    @Override
    public void delete(String apiToken, String serverId) {
        String path = "/v2/droplets/" + numericId(serverId);
        retry.run(() -> {
            ProviderHttp.Reply reply = http.send("DELETE", path, apiToken, null, "DELETE /v2/droplets/{id}");
            if (reply.status() == 404 || reply.ok()) return; // 204; 404: already gone
            throw http.failure(reply, apiToken);
        });
    }

    /** The window asked for: the agent reports about once a minute, so this holds a few samples. */
    static final Duration METRICS_WINDOW = Duration.ofMinutes(10);
    static final String[] METRIC_NAMES = {"cpu", "memory_available", "memory_total", "filesystem_free", "filesystem_size"};

    /**
     * The five series are read at once, one attempt each. CPU is cumulative seconds per mode, so
     * usage is {@code 100 × (1 − Δidle / Δall modes)} between the last two samples; memory is
     * {@code 100 × (1 − available / total)}; disk is {@code 100 × (1 − free / size)} of the
     * filesystem mounted at {@code /}. A 404 on any of them counts as an unknown droplet.
     */
    @Override
    public Optional<Metrics> metrics(String apiToken, String serverId, Instant now) {
        String id = numericId(serverId);
        long end = now.getEpochSecond();
        String query = "?host_id=" + id + "&start=" + (end - METRICS_WINDOW.toSeconds()) + "&end=" + end;
        List<Supplier<JsonNode>> calls = new ArrayList<>();
        for (String name : METRIC_NAMES) {
            String path = "/v2/monitoring/metrics/droplet/" + name;
            calls.add(() -> {
                ProviderHttp.Reply reply = http.send("GET", path + query, apiToken, null, "GET " + path, ProviderHttp.METRICS_TIMEOUT);
                if (reply.status() == 404) return null;
                JsonNode result = ok(reply, apiToken).path("data").path("result");
                if (!result.isArray()) throw ProviderException.unreadable(DISPLAY_NAME, reply.status());
                return result;
            });
        }
        List<JsonNode> r = ProviderHttp.all(calls);
        if (r.contains(null)) return Optional.empty();
        Sample cpu = cpu(r.get(0));
        Sample mem = ratio(latest(r.get(1), null), latest(r.get(2), null));
        Sample disk = ratio(latest(r.get(3), "/"), latest(r.get(4), "/"));
        Instant at = null;
        for (Sample x : new Sample[]{cpu, mem, disk}) {
            if (x != null && (at == null || x.at().isAfter(at))) at = x.at();
        }
        if (at == null) return Optional.of(Metrics.NONE);
        return Optional.of(new Metrics(cpu == null ? null : cpu.value(), mem == null ? null : mem.value(),
                disk == null ? null : disk.value(), at));
    }

    /** One value at one time. */
    record Sample(Instant at, double value) {}

    /** {@code 100 × (1 − Δidle/Δtotal)} over the idle series' last two samples, every mode read at the same two times. */
    static Sample cpu(JsonNode result) {
        Map<String, Map<Instant, Double>> byMode = new LinkedHashMap<>();
        for (JsonNode series : result) {
            String mode = ProviderHttp.text(series.path("metric"), "mode");
            if (mode == null) continue;
            Map<Instant, Double> points = byMode.computeIfAbsent(mode, m -> new java.util.TreeMap<>());
            for (JsonNode p : series.path("values")) {
                Instant at = ProviderHttp.sampleTime(p.path(0));
                Double v = ProviderHttp.sampleValue(p.get(1));
                if (at != null && v != null) points.merge(at, v, Double::sum); // several CPUs: summed
            }
        }
        Map<Instant, Double> idle = byMode.get("idle");
        if (idle == null || idle.size() < 2) return null;
        List<Instant> times = new ArrayList<>(idle.keySet());
        Instant t1 = times.get(times.size() - 2), t2 = times.getLast();
        double total = 0;
        for (Map<Instant, Double> points : byMode.values()) {
            Double a = points.get(t1), b = points.get(t2);
            if (a != null && b != null && b >= a) total += b - a; // a counter reset is left out
        }
        double idleDelta = idle.get(t2) - idle.get(t1);
        if (total <= 0 || idleDelta < 0) return null;
        return new Sample(t2, ProviderHttp.clampPct(100.0 * (1.0 - idleDelta / total)));
    }

    /** The newest sample of the series (the one mounted at {@code mount}, when given). */
    static Sample latest(JsonNode result, String mount) {
        Sample best = null;
        for (JsonNode series : result) {
            if (mount != null) {
                JsonNode labels = series.path("metric");
                String m = ProviderHttp.text(labels, "mountpoint");
                if (m == null) m = ProviderHttp.text(labels, "mount");
                if (m != null ? !m.equals(mount) : result.size() > 1) continue;
            }
            for (JsonNode p : series.path("values")) {
                Instant at = ProviderHttp.sampleTime(p.path(0));
                Double v = ProviderHttp.sampleValue(p.get(1));
                if (at != null && v != null && (best == null || at.isAfter(best.at()))) best = new Sample(at, v);
            }
        }
        return best;
    }

    /** {@code 100 × (1 − part/whole)}, timed at the older of the two samples; null without both or with an empty whole. */
    static Sample ratio(Sample part, Sample whole) {
        if (part == null || whole == null || whole.value() <= 0) return null;
        Instant at = part.at().isBefore(whole.at()) ? part.at() : whole.at();
        return new Sample(at, ProviderHttp.clampPct(100.0 * (1.0 - part.value() / whole.value())));
    }

    // ---------------------------------------------------------------------------------------------

    private JsonNode ok(ProviderHttp.Reply reply, String token) {
        if (!reply.ok()) throw http.failure(reply, token);
        return http.json(reply);
    }

    private Server server(JsonNode d) {
        if (d == null || !d.isObject() || !d.path("id").canConvertToLong()) throw ProviderException.unreadable(DISPLAY_NAME, 200);
        String ip = null;
        for (JsonNode n : d.path("networks").path("v4")) {
            if ("public".equals(ProviderHttp.text(n, "type"))) {
                ip = ProviderHttp.text(n, "ip_address");
                break;
            }
        }
        String size = ProviderHttp.text(d, "size_slug");
        if (size == null) size = ProviderHttp.text(d.path("size"), "slug");
        return new Server(
                Long.toString(d.get("id").longValue()),
                status(ProviderHttp.text(d, "status")),
                ip,
                ProviderHttp.text(d.path("region"), "slug"),
                size);
    }

    /** DigitalOcean's droplet statuses: new, active, off, archive (destroyed, data kept for a while). */
    static String status(String digitalOcean) {
        if (digitalOcean == null) return PROVISIONING;
        return switch (digitalOcean) {
            case "active" -> RUNNING;
            case "off" -> OFF;
            case "archive" -> DELETING;
            default -> PROVISIONING;
        };
    }

    static List<String> tags(Map<String, String> labels) {
        return labels.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> tagPart(e.getKey()) + ":" + tagPart(e.getValue()))
                .map(t -> t.length() > 255 ? t.substring(0, 255) : t)
                .toList();
    }

    private static String tagPart(String s) {
        return s == null ? "" : s.replaceAll("[^A-Za-z0-9_:-]", "_");
    }

    static Duration rateLimitWait(HttpHeaders headers, Instant now) {
        return ProviderHttp.epochHeader(headers, "ratelimit-reset").map(reset -> ProviderHttp.untilOrZero(now, reset)).orElse(null);
    }

    /** Droplet ids are integers; anything else is refused before it could change the request path. */
    static String numericId(String serverId) {
        if (serverId == null || !serverId.matches("[0-9]{1,19}")) throw new IllegalArgumentException("not a DigitalOcean droplet id");
        return serverId;
    }
}

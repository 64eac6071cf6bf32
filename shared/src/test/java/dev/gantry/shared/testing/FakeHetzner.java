package dev.gantry.shared.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local fake of the Hetzner Cloud API endpoints Gantry uses, answering in the shapes Hetzner
 * documents (https://docs.hetzner.cloud), mounted under {@code /hcloud}:
 * <ul>
 * <li>{@code GET /v1/locations} → {@code {locations: [{id, name, description, country, city, …}], meta}}</li>
 * <li>{@code POST /v1/servers} → 201 {@code {server, action, next_actions, root_password}}; 422
 *     {@code invalid_input} for an unknown location or server type, 409 {@code uniqueness_error} for a used name</li>
 * <li>{@code GET /v1/servers/{id}} → {@code {server}}; {@code DELETE /v1/servers/{id}} → 200 {@code {action}};
 *     404 {@code not_found} for an unknown id</li>
 * <li>{@code GET /v1/servers/{id}/metrics?type&start&end[&step]} → {@code {metrics: {start, end, step,
 *     time_series: {cpu: {values: [[unix_ts, "value"], …]}}}}}: the CPU set with {@link #metrics}, as Hetzner
 *     reports it per vCPU (× the type's 2 cores), at the last two step boundaries before {@code end};
 *     an empty series when nothing is set; 400 {@code invalid_input} without type, start or end</li>
 * </ul>
 * Errors are {@code {"error": {"code", "message", "details"}}}. A new server is {@code initializing}
 * with its IPv4 assigned; {@link #markRunning} moves it on. 429s carry Hetzner's
 * {@code RateLimit-Limit/-Remaining/-Reset} (reset: when the bucket is full again).
 */
public final class FakeHetzner extends FakeCloud {
    public static final long RATE_LIMIT = 3600;

    /** A server as the fake keeps it. */
    public record FakeServer(long id, String name, String status, String ipv4, String location, String serverType,
                             String image, Map<String, String> labels) {
        FakeServer withStatus(String s) { return new FakeServer(id, name, s, ipv4, location, serverType, image, labels); }
    }

    private static final Map<String, String[]> LOCATIONS = new LinkedHashMap<>();
    static {
        LOCATIONS.put("fsn1", new String[]{"1", "Falkenstein DC Park 1", "DE", "Falkenstein", "eu-central"});
        LOCATIONS.put("nbg1", new String[]{"2", "Nuremberg DC Park 1", "DE", "Nuremberg", "eu-central"});
        LOCATIONS.put("hel1", new String[]{"3", "Helsinki DC Park 1", "FI", "Helsinki", "eu-central"});
        LOCATIONS.put("ash", new String[]{"4", "Ashburn, VA", "US", "Ashburn, VA", "us-east"});
        LOCATIONS.put("hil", new String[]{"5", "Hillsboro, OR", "US", "Hillsboro, OR", "us-west"});
        LOCATIONS.put("sin", new String[]{"6", "Singapore", "SG", "Singapore", "ap-southeast"});
    }
    private static final Set<String> SERVER_TYPES = Set.of("cx22", "cx32", "cx42", "cx52", "cpx11", "cpx21", "cax11");

    private final Map<Long, FakeServer> servers = new ConcurrentHashMap<>();
    private final List<Long> deleted = new CopyOnWriteArrayList<>();
    private volatile List<String> locations = List.copyOf(LOCATIONS.keySet());

    private FakeHetzner() {
        super("/hcloud", "fake-hetzner", 48_210_000L);
    }

    public static FakeHetzner start() {
        return new FakeHetzner();
    }

    @Override public FakeHetzner validToken(String token) { super.validToken(token); return this; }

    /** Which of the known locations {@code GET /v1/locations} lists, in order. */
    public void locations(String... names) { locations = List.of(names); }

    public Map<Long, FakeServer> servers() { return Map.copyOf(servers); }

    public List<Long> deleted() { return List.copyOf(deleted); }

    /** The server finished booting. */
    public void markRunning(long id) { servers.computeIfPresent(id, (k, s) -> s.withStatus("running")); }

    public void setStatus(long id, String status) { servers.computeIfPresent(id, (k, s) -> s.withStatus(status)); }

    // ---------------------------------------------------------------------------------------------

    @Override
    protected Answer route(Call call) {
        String p = call.path();
        if (call.method().equals("GET") && p.equals("/v1/locations")) {
            List<Object> out = new ArrayList<>();
            for (String name : locations) out.add(location(name));
            return Answer.of(200, obj("locations", out, "meta", obj("pagination", obj("page", 1, "per_page", 50,
                    "previous_page", null, "next_page", null, "last_page", 1, "total_entries", out.size()))));
        }
        if (call.method().equals("POST") && p.equals("/v1/servers")) return create(call.json());
        if (call.method().equals("GET") && p.matches("/v1/servers/[0-9]+/metrics")) {
            return metrics(Long.parseLong(p.substring("/v1/servers/".length(), p.length() - "/metrics".length())), params(call.query()));
        }
        if (p.matches("/v1/servers/[0-9]+")) {
            long id = Long.parseLong(p.substring("/v1/servers/".length()));
            FakeServer s = servers.get(id);
            if (s == null) return Answer.of(404, error("not_found", "server with ID '" + id + "' not found"));
            return switch (call.method()) {
                case "GET" -> Answer.of(200, obj("server", json(s)));
                case "DELETE" -> {
                    servers.remove(id);
                    deleted.add(id);
                    yield Answer.of(200, obj("action", action("delete_server", id)));
                }
                default -> null;
            };
        }
        return null;
    }

    private synchronized Answer create(JsonNode body) {
        if (body == null || !body.isObject()) return Answer.of(400, error("json_error", "invalid JSON"));
        String name = body.path("name").asText(null), type = body.path("server_type").asText(null);
        String location = body.path("location").asText("fsn1"), image = body.path("image").asText(null);
        if (name == null || type == null || image == null) return Answer.of(422, error("invalid_input", "invalid input in fields 'name', 'server_type', 'image'"));
        if (!LOCATIONS.containsKey(location)) return Answer.of(422, error("invalid_input", "invalid input in field 'location'"));
        if (!SERVER_TYPES.contains(type)) return Answer.of(422, error("invalid_input", "invalid input in field 'server_type'"));
        if (servers.values().stream().anyMatch(s -> s.name().equals(name))) return Answer.of(409, error("uniqueness_error", "server name is already used"));
        Map<String, String> labels = new LinkedHashMap<>();
        body.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        long id = nextId();
        FakeServer s = new FakeServer(id, name, "initializing", "5.75." + (128 + id % 128) + "." + (1 + id % 254),
                location, type, image, labels);
        servers.put(id, s);
        return Answer.of(201, obj("server", json(s), "action", action("create_server", id),
                "next_actions", list(action("start_server", id)), "root_password", "YItygq1v3GYjjMomLaKc"));
    }

    static final int CORES = 2;

    private Answer metrics(long id, Map<String, String> q) {
        if (!servers.containsKey(id)) return Answer.of(404, error("not_found", "server with ID '" + id + "' not found"));
        String type = q.get("type");
        java.time.Instant start, end;
        try {
            start = java.time.OffsetDateTime.parse(q.get("start")).toInstant();
            end = java.time.OffsetDateTime.parse(q.get("end")).toInstant();
        } catch (RuntimeException e) {
            return Answer.of(400, error("invalid_input", "invalid input in fields 'start', 'end'"));
        }
        if (type == null || !List.of(type.split(",")).stream().allMatch(t -> Set.of("cpu", "disk", "network").contains(t))) {
            return Answer.of(400, error("invalid_input", "invalid input in field 'type'"));
        }
        long step = q.containsKey("step") ? Long.parseLong(q.get("step")) : 60;
        Map<String, Object> series = new LinkedHashMap<>();
        if (List.of(type.split(",")).contains("cpu")) {
            List<Object> values = new ArrayList<>();
            FakeMetrics m = metricsOf(id);
            if (m != null && m.cpuPct() != null) {
                long last = end.getEpochSecond() / step * step;
                values.add(list(last - step, Double.toString(m.cpuPct() * CORES / 2)));
                values.add(list(last, Double.toString(m.cpuPct() * CORES)));
            }
            series.put("cpu", obj("values", values));
        }
        return Answer.of(200, obj("metrics", obj("start", start.toString(), "end", end.toString(), "step", step, "time_series", series)));
    }

    private Map<String, Object> json(FakeServer s) {
        String[] l = LOCATIONS.get(s.location());
        return obj("id", s.id(), "name", s.name(), "status", s.status(), "created", "2024-05-01T10:00:00+00:00",
                "public_net", obj(
                        "ipv4", obj("id", s.id() + 1, "ip", s.ipv4(), "blocked", false, "dns_ptr", "static." + s.ipv4() + ".clients.your-server.de"),
                        "ipv6", obj("id", s.id() + 2, "ip", "2a01:4f8:c012:" + Long.toHexString(s.id() % 0xffff) + "::/64", "blocked", false, "dns_ptr", list()),
                        "floating_ips", list(), "firewalls", list()),
                "private_net", list(),
                "server_type", obj("id", 104, "name", s.serverType(), "description", s.serverType().toUpperCase(), "cores", CORES,
                        "memory", 4.0, "disk", 40, "deprecated", false, "storage_type", "local", "cpu_type", "shared", "architecture", "x86"),
                "datacenter", obj("id", Integer.parseInt(l[0]), "name", s.location() + "-dc" + (10 + Integer.parseInt(l[0])),
                        "description", l[1] + " virtual DC", "location", location(s.location())),
                "image", obj("id", 161547269, "type", "system", "status", "available", "name", s.image(), "os_flavor", "ubuntu"),
                "iso", null, "rescue_enabled", false, "locked", false, "backup_window", null,
                "outgoing_traffic", 0, "ingoing_traffic", 0, "included_traffic", 21990232555520L,
                "protection", obj("delete", false, "rebuild", false), "labels", s.labels(), "volumes", list(),
                "load_balancers", list(), "primary_disk_size", 40, "placement_group", null);
    }

    private static Map<String, Object> location(String name) {
        String[] l = LOCATIONS.getOrDefault(name, new String[]{"99", name, "DE", name, "eu-central"});
        return obj("id", Integer.parseInt(l[0]), "name", name, "description", l[1], "country", l[2], "city", l[3],
                "latitude", 50.47612, "longitude", 12.370071, "network_zone", l[4]);
    }

    private Map<String, Object> action(String command, long serverId) {
        return obj("id", nextId() + 1_000_000_000L, "command", command, "status", "running", "progress", 0,
                "started", "2024-05-01T10:00:00+00:00", "finished", null,
                "resources", list(obj("id", serverId, "type", "server")), "error", null);
    }

    private static Map<String, Object> error(String code, String message) {
        return obj("error", obj("code", code, "message", message, "details", obj()));
    }

    @Override
    protected Object errorBody(int status) {
        return switch (status) {
            case 401 -> error("unauthorized", "unable to authenticate");
            case 403 -> error("forbidden", "insufficient permissions for this request");
            case 404 -> error("not_found", "not found");
            case 409 -> error("conflict", "resource is locked");
            case 422 -> error("invalid_input", "invalid input");
            case 429 -> error("rate_limit_exceeded", "limit of " + RATE_LIMIT + " requests per hour reached");
            case 503 -> error("unavailable", "A service that is required by this API is unavailable");
            default -> status >= 500 ? error("server_error", "internal server error") : error("invalid_input", "bad request");
        };
    }

    /** Hetzner refills one request every {@code seconds} here, so from empty the bucket is full after {@code limit × seconds}. */
    @Override
    protected Map<String, String> rateLimitHeaders(long seconds) {
        long reset = clock.instant().getEpochSecond() + RATE_LIMIT * seconds;
        return Map.of("RateLimit-Limit", Long.toString(RATE_LIMIT), "RateLimit-Remaining", "0", "RateLimit-Reset", Long.toString(reset));
    }
}

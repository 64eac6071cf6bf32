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
 * A local fake of the DigitalOcean API endpoints Gantry uses, answering in the shapes DigitalOcean
 * documents (https://docs.digitalocean.com/reference/api/), mounted under {@code /do}:
 * <ul>
 * <li>{@code GET /v2/account} → {@code {account: {droplet_limit, email, uuid, status, …}}}</li>
 * <li>{@code GET /v2/regions} → {@code {regions: [{name, slug, features, available, sizes}], links, meta}}</li>
 * <li>{@code POST /v2/droplets} → 202 {@code {droplet, links}}; 422 {@code unprocessable_entity} for an
 *     unknown region or size</li>
 * <li>{@code GET /v2/droplets/{id}} → {@code {droplet}}; {@code DELETE /v2/droplets/{id}} → 204;
 *     404 {@code not_found} for an unknown id</li>
 * <li>{@code GET /v2/monitoring/metrics/droplet/{cpu,memory_available,memory_total,filesystem_free,filesystem_size}
 *     ?host_id&start&end} → {@code {status: success, data: {resultType: matrix, result: [{metric, values}]}}}:
 *     what {@link #metrics} set, at the last two minutes before {@code end} (CPU as cumulative seconds per
 *     mode, memory of a 1 GiB droplet, filesystems {@code /} and {@code /boot/efi}); an empty {@code result}
 *     when nothing is set, as for a droplet without the monitoring agent; 400 without host_id, start or end</li>
 * </ul>
 * Errors are {@code {"id", "message", "request_id"}}. A new droplet is {@code new} with no networks;
 * {@link #markRunning} makes it {@code active} with a public and a private IPv4. Every answer
 * carries {@code ratelimit-limit/-remaining/-reset}; a 429's reset is when one more request is allowed.
 */
public final class FakeDigitalOcean extends FakeCloud {
    public static final long RATE_LIMIT = 5000;

    public record FakeDroplet(long id, String name, String status, String publicIp, String region, String size,
                              String image, List<String> tags) {
        FakeDroplet withStatus(String s, String ip) { return new FakeDroplet(id, name, s, ip, region, size, image, tags); }
    }

    private static final Map<String, String> REGIONS = new LinkedHashMap<>();
    static {
        REGIONS.put("nyc1", "New York 1");
        REGIONS.put("nyc3", "New York 3");
        REGIONS.put("sfo3", "San Francisco 3");
        REGIONS.put("ams3", "Amsterdam 3");
        REGIONS.put("fra1", "Frankfurt 1");
        REGIONS.put("lon1", "London 1");
        REGIONS.put("sgp1", "Singapore 1");
    }
    private static final Set<String> SIZES = Set.of("s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb");

    private final Map<Long, FakeDroplet> droplets = new ConcurrentHashMap<>();
    private final List<Long> deleted = new CopyOnWriteArrayList<>();
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();

    private FakeDigitalOcean() {
        super("/do", "fake-digitalocean", 412_300_000L);
    }

    public static FakeDigitalOcean start() {
        return new FakeDigitalOcean();
    }

    @Override public FakeDigitalOcean validToken(String token) { super.validToken(token); return this; }

    /** {@code GET /v2/regions} lists these regions with {@code available: false}. */
    public void unavailableRegions(String... slugs) { unavailable.addAll(List.of(slugs)); }

    public Map<Long, FakeDroplet> droplets() { return Map.copyOf(droplets); }

    public List<Long> deleted() { return List.copyOf(deleted); }

    /** The droplet booted: active, with a public IPv4. */
    public void markRunning(long id) {
        droplets.computeIfPresent(id, (k, d) -> d.withStatus("active", "164.90." + (128 + id % 128) + "." + (1 + id % 254)));
    }

    public void setStatus(long id, String status) { droplets.computeIfPresent(id, (k, d) -> d.withStatus(status, d.publicIp())); }

    // ---------------------------------------------------------------------------------------------

    @Override
    protected Answer route(Call call) {
        String p = call.path();
        if (call.method().equals("GET") && p.equals("/v2/account")) {
            return Answer.of(200, obj("account", obj("droplet_limit", 25, "floating_ip_limit", 3, "reserved_ip_limit", 3,
                    "volume_limit", 100, "email", "dev@example.com", "name", "Dev", "uuid", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
                    "email_verified", true, "status", "active", "status_message", "",
                    "team", obj("uuid", "5df3e3004a17e242b7c20ca6c9fc25b701a47ece", "name", "My Team"))));
        }
        if (call.method().equals("GET") && p.equals("/v2/regions")) {
            List<Object> out = new ArrayList<>();
            REGIONS.forEach((slug, name) -> out.add(region(slug)));
            return Answer.of(200, obj("regions", out, "links", obj(), "meta", obj("total", out.size())));
        }
        if (call.method().equals("POST") && p.equals("/v2/droplets")) return create(call.json());
        if (call.method().equals("GET") && p.startsWith("/v2/monitoring/metrics/droplet/")) {
            return metrics(p.substring("/v2/monitoring/metrics/droplet/".length()), params(call.query()));
        }
        if (p.matches("/v2/droplets/[0-9]+")) {
            long id = Long.parseLong(p.substring("/v2/droplets/".length()));
            FakeDroplet d = droplets.get(id);
            if (d == null) return Answer.of(404, errorBody(404));
            return switch (call.method()) {
                case "GET" -> Answer.of(200, obj("droplet", json(d)));
                case "DELETE" -> {
                    droplets.remove(id);
                    deleted.add(id);
                    yield Answer.of(204, null);
                }
                default -> null;
            };
        }
        return null;
    }

    private Answer create(JsonNode body) {
        if (body == null || !body.isObject()) return Answer.of(400, error("bad_request", "Unable to parse the request body."));
        String name = body.path("name").asText(null), region = body.path("region").asText(null);
        String size = body.path("size").asText(null), image = body.path("image").asText(null);
        if (name == null || size == null || image == null) return Answer.of(422, error("unprocessable_entity", "Name, size and image are required."));
        if (region == null || !REGIONS.containsKey(region) || unavailable.contains(region)) {
            return Answer.of(422, error("unprocessable_entity", "You specified an invalid region for Droplet creation."));
        }
        if (!SIZES.contains(size)) return Answer.of(422, error("unprocessable_entity", "You specified an invalid size for Droplet creation."));
        List<String> tags = new ArrayList<>();
        body.path("tags").forEach(t -> tags.add(t.asText()));
        long id = nextId();
        FakeDroplet d = new FakeDroplet(id, name, "new", null, region, size, image, List.copyOf(tags));
        droplets.put(id, d);
        return Answer.of(202, obj("droplet", json(d), "links", obj("actions", list(obj("id", id + 7_000_000_000L, "rel", "create",
                "href", "https://api.digitalocean.com/v2/actions/" + (id + 7_000_000_000L))))));
    }

    static final long MEMORY_BYTES = 1L << 30;
    static final long ROOT_FS_BYTES = 25L << 30;
    static final long BOOT_FS_BYTES = 100L << 20;

    private Answer metrics(String name, Map<String, String> q) {
        if (!Set.of("cpu", "memory_available", "memory_total", "memory_free", "memory_cached", "filesystem_free", "filesystem_size").contains(name)) {
            return null;
        }
        String hostId = q.get("host_id");
        long end;
        try {
            Long.parseLong(q.get("start"));
            end = Long.parseLong(q.get("end"));
        } catch (RuntimeException e) {
            return Answer.of(400, error("bad_request", "start and end must be Unix timestamps"));
        }
        if (hostId == null || !hostId.matches("[0-9]+")) return Answer.of(400, error("bad_request", "host_id is required"));
        FakeMetrics m = metricsOf(Long.parseLong(hostId));
        long t2 = end / 60 * 60, t1 = t2 - 60;
        List<Object> result = new ArrayList<>();
        if (m != null) {
            switch (name) {
                case "cpu" -> {
                    if (m.cpuPct() != null) {
                        double busy = 60 * m.cpuPct() / 100;
                        result.add(cpuSeries(hostId, "idle", 1_000_000, 60 - busy, t1, t2));
                        result.add(cpuSeries(hostId, "user", 200_000, busy * 0.7, t1, t2));
                        result.add(cpuSeries(hostId, "system", 50_000, busy * 0.25, t1, t2));
                        result.add(cpuSeries(hostId, "iowait", 4_000, busy * 0.05, t1, t2));
                    }
                }
                case "memory_total" -> { if (m.memPct() != null) result.add(series(obj("host_id", hostId), MEMORY_BYTES, MEMORY_BYTES, t1, t2)); }
                case "memory_available" -> {
                    if (m.memPct() != null) {
                        double avail = MEMORY_BYTES * (1 - m.memPct() / 100);
                        result.add(series(obj("host_id", hostId), avail * 0.9, avail, t1, t2));
                    }
                }
                case "filesystem_size" -> {
                    if (m.diskPct() != null) {
                        result.add(series(fs(hostId, "/dev/vda15", "vfat", "/boot/efi"), BOOT_FS_BYTES, BOOT_FS_BYTES, t1, t2));
                        result.add(series(fs(hostId, "/dev/vda1", "ext4", "/"), ROOT_FS_BYTES, ROOT_FS_BYTES, t1, t2));
                    }
                }
                case "filesystem_free" -> {
                    if (m.diskPct() != null) {
                        result.add(series(fs(hostId, "/dev/vda15", "vfat", "/boot/efi"), BOOT_FS_BYTES / 2, BOOT_FS_BYTES / 2, t1, t2));
                        double free = ROOT_FS_BYTES * (1 - m.diskPct() / 100);
                        result.add(series(fs(hostId, "/dev/vda1", "ext4", "/"), free * 1.01, free, t1, t2));
                    }
                }
                default -> { }
            }
        }
        return Answer.of(200, obj("status", "success", "data", obj("resultType", "matrix", "result", result)));
    }

    private static Map<String, Object> cpuSeries(String hostId, String mode, double base, double delta, long t1, long t2) {
        return series(obj("host_id", hostId, "mode", mode), base, base + delta, t1, t2);
    }

    private static Map<String, Object> fs(String hostId, String device, String fstype, String mountpoint) {
        return obj("device", device, "fstype", fstype, "host_id", hostId, "mountpoint", mountpoint);
    }

    private static Map<String, Object> series(Map<String, Object> labels, double v1, double v2, long t1, long t2) {
        return obj("metric", labels, "values", list(list(t1, plain(v1)), list(t2, plain(v2))));
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private Map<String, Object> json(FakeDroplet d) {
        List<Object> v4 = new ArrayList<>();
        if (d.publicIp() != null) {
            v4.add(obj("ip_address", "10.128.0." + (2 + d.id() % 250), "netmask", "255.255.0.0", "gateway", "10.128.0.1", "type", "private"));
            v4.add(obj("ip_address", d.publicIp(), "netmask", "255.255.240.0", "gateway", "164.90.128.1", "type", "public"));
        }
        return obj("id", d.id(), "name", d.name(), "memory", 1024, "vcpus", 1, "disk", 25, "locked", false, "status", d.status(),
                "kernel", null, "created_at", "2024-05-01T10:00:00Z", "features", list("monitoring"), "backup_ids", list(),
                "next_backup_window", null, "snapshot_ids", list(),
                "image", obj("id", 129211873, "name", "24.04 (LTS) x64", "distribution", "Ubuntu", "slug", d.image(), "public", true),
                "volume_ids", list(),
                "size", obj("slug", d.size(), "memory", 1024, "vcpus", 1, "disk", 25, "transfer", 1.0, "price_monthly", 6.0,
                        "price_hourly", 0.00893, "available", true, "description", "Basic"),
                "size_slug", d.size(),
                "networks", obj("v4", v4, "v6", list()),
                "region", region(d.region()), "tags", d.tags(), "vpc_uuid", "760e09ef-dc84-11e8-981e-3cfdfeaae000");
    }

    private Map<String, Object> region(String slug) {
        return obj("name", REGIONS.getOrDefault(slug, slug), "slug", slug,
                "features", list("backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"),
                "available", !unavailable.contains(slug), "sizes", new ArrayList<>(SIZES.stream().sorted().toList()));
    }

    private static Map<String, Object> error(String id, String message) {
        return obj("id", id, "message", message, "request_id", "4d9d8375-3c56-4925-a3e7-eb137fed17e9");
    }

    @Override
    protected Object errorBody(int status) {
        return switch (status) {
            case 401 -> obj("id", "unauthorized", "message", "Unable to authenticate you.");
            case 403 -> error("forbidden", "You do not have access for the attempted action.");
            case 404 -> error("not_found", "The resource you were accessing could not be found.");
            case 422 -> error("unprocessable_entity", "The request could not be processed.");
            case 429 -> error("too_many_requests", "API Rate limit exceeded.");
            default -> status >= 500 ? error("server_error", "Unexpected server-side error") : error("bad_request", "Bad request.");
        };
    }

    @Override
    protected Map<String, String> rateLimitHeaders(long seconds) {
        long reset = clock.instant().getEpochSecond() + seconds;
        return Map.of("ratelimit-limit", Long.toString(RATE_LIMIT), "ratelimit-remaining", "0", "ratelimit-reset", Long.toString(reset));
    }

    @Override
    protected Map<String, String> commonHeaders() {
        return Map.of("ratelimit-limit", Long.toString(RATE_LIMIT), "ratelimit-remaining", "4999",
                "ratelimit-reset", Long.toString(clock.instant().getEpochSecond() + 1));
    }
}

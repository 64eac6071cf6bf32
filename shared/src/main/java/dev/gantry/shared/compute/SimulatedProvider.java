package dev.gantry.shared.compute;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * A provider that keeps its VMs in memory, for the local server when no provider URL is
 * configured: the whole deploy flow works offline, with answers shaped like the real provider's.
 * <ul>
 * <li>A token is accepted when it has at least 20 characters and does not start with
 *     {@code invalid}, so a developer can exercise both paths.</li>
 * <li>Ids look real (Hetzner: 8 digits, DigitalOcean droplets: 9 digits); addresses come from a
 *     public range each provider uses (5.75.128.0/17, 164.90.128.0/17).</li>
 * <li>A VM is provisioning until {@code bootDelay} has passed on the injected clock, then running;
 *     like DigitalOcean, the simulated droplet has no address until it runs. A deleted VM is
 *     deleting for {@code deleteDelay}, then gone. No threads: status is worked out on each read.</li>
 * <li>A running VM has metrics that drift slowly and deterministically (sine waves whose phase
 *     comes from the VM id, on the time asked for), shaped like the provider's: CPU only for
 *     Hetzner, CPU, memory and disk for DigitalOcean, collected on the minute. A VM that is not
 *     running has none yet; an unknown one is empty.</li>
 * <li>VMs belong to the account of the token that created them (kept as a SHA-256 of the
 *     token, never the token): another token does not see them.</li>
 * </ul>
 */
public final class SimulatedProvider implements ComputeProvider {
    public static final Duration DEFAULT_BOOT_DELAY = Duration.ofSeconds(3);
    public static final Duration DEFAULT_DELETE_DELAY = Duration.ofSeconds(3);
    static final int MIN_TOKEN_LENGTH = 20;

    /** What differs between the simulated providers. */
    private record Flavour(String name, String displayName, String defaultInstanceType, String defaultRegion,
                           List<String> regions, Set<String> instanceTypes, long minId, long idSpan, String ipPrefix) {}

    private static final Flavour HETZNER = new Flavour(HetznerCloud.NAME, HetznerCloud.DISPLAY_NAME, "cx22", "fsn1",
            List.of("fsn1", "nbg1", "hel1", "ash", "hil", "sin"),
            Set.of("cx22", "cx32", "cx42", "cx52", "cpx11", "cpx21", "cpx31", "cpx41", "cpx51", "cax11", "cax21", "cax31", "cax41"),
            10_000_000L, 90_000_000L, "5.75.");
    private static final Flavour DIGITALOCEAN = new Flavour(DigitalOcean.NAME, DigitalOcean.DISPLAY_NAME, "s-1vcpu-1gb", "nyc3",
            List.of("nyc1", "nyc3", "sfo2", "sfo3", "ams3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1"),
            Set.of("s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb", "s-8vcpu-16gb"),
            100_000_000L, 900_000_000L, "164.90.");

    private record Vm(String id, String account, String ipv4, String region, String instanceType,
                      Instant createdAt, Instant deletedAt) {}

    private final Flavour flavour;
    private final Clock clock;
    private final Duration bootDelay;
    private final Duration deleteDelay;
    private final RandomGenerator random;
    private final Map<String, Vm> vms = new ConcurrentHashMap<>();

    private SimulatedProvider(Flavour flavour, Clock clock, Duration bootDelay, Duration deleteDelay, RandomGenerator random) {
        this.flavour = flavour;
        this.clock = clock;
        this.bootDelay = bootDelay;
        this.deleteDelay = deleteDelay;
        this.random = random;
    }

    public static SimulatedProvider hetzner(Clock clock) {
        return hetzner(clock, DEFAULT_BOOT_DELAY, DEFAULT_DELETE_DELAY);
    }

    public static SimulatedProvider hetzner(Clock clock, Duration bootDelay, Duration deleteDelay) {
        return new SimulatedProvider(HETZNER, clock, bootDelay, deleteDelay, new Random());
    }

    public static SimulatedProvider digitalOcean(Clock clock) {
        return digitalOcean(clock, DEFAULT_BOOT_DELAY, DEFAULT_DELETE_DELAY);
    }

    public static SimulatedProvider digitalOcean(Clock clock, Duration bootDelay, Duration deleteDelay) {
        return new SimulatedProvider(DIGITALOCEAN, clock, bootDelay, deleteDelay, new Random());
    }

    @Override public String name() { return flavour.name(); }

    @Override public String defaultInstanceType() { return flavour.defaultInstanceType(); }

    @Override
    public Account verify(String apiToken) {
        account(apiToken);
        return new Account(flavour.defaultRegion(), flavour.regions());
    }

    @Override
    public Server create(String apiToken, CreateServer spec) {
        String account = account(apiToken);
        if (!flavour.regions().contains(spec.region())) {
            throw ProviderException.rejected(flavour.displayName(), 422, "invalid location/region");
        }
        if (!flavour.instanceTypes().contains(spec.instanceType())) {
            throw ProviderException.rejected(flavour.displayName(), 422, "invalid server type/size");
        }
        synchronized (vms) {
            String id;
            do {
                id = Long.toString(flavour.minId() + random.nextLong(flavour.idSpan()));
            } while (vms.containsKey(id));
            String ip = flavour.ipPrefix() + (128 + random.nextInt(128)) + "." + (1 + random.nextInt(254));
            Vm vm = new Vm(id, account, ip, spec.region(), spec.instanceType(), clock.instant(), null);
            vms.put(id, vm);
            return view(vm, clock.instant());
        }
    }

    @Override
    public Optional<Server> get(String apiToken, String serverId) {
        String account = account(apiToken);
        Instant now = clock.instant();
        Vm vm = serverId == null ? null : vms.get(serverId);
        if (vm == null || !vm.account().equals(account)) return Optional.empty();
        if (gone(vm, now)) {
            vms.remove(vm.id(), vm);
            return Optional.empty();
        }
        return Optional.of(view(vm, now));
    }

    @Override
    public void delete(String apiToken, String serverId) {
        String account = account(apiToken);
        if (serverId == null) return;
        vms.computeIfPresent(serverId, (id, vm) -> !vm.account().equals(account) || vm.deletedAt() != null ? vm
                : new Vm(vm.id(), vm.account(), vm.ipv4(), vm.region(), vm.instanceType(), vm.createdAt(), clock.instant()));
    }

    @Override
    public Optional<Metrics> metrics(String apiToken, String serverId, Instant now) {
        String account = account(apiToken);
        Vm vm = serverId == null ? null : vms.get(serverId);
        if (vm == null || !vm.account().equals(account) || gone(vm, now)) return Optional.empty();
        if (!RUNNING.equals(view(vm, now).status())) return Optional.of(Metrics.NONE);
        Instant at = now.truncatedTo(ChronoUnit.MINUTES);
        double t = at.getEpochSecond();
        long seed = vm.id().hashCode() & 0x7fffffffL;
        double phase = (seed % 360) * Math.PI / 180;
        double cpu = round1(30 + 20 * Math.sin(2 * Math.PI * t / 900 + phase));
        if (flavour == HETZNER) return Optional.of(new Metrics(cpu, null, null, at));
        double mem = round1(45 + 15 * Math.sin(2 * Math.PI * t / 3600 + 2 * phase));
        double disk = round1(15 + seed % 30 + 3 * Math.sin(2 * Math.PI * t / 86_400 + phase));
        return Optional.of(new Metrics(cpu, mem, disk, at));
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private boolean gone(Vm vm, Instant now) {
        return vm.deletedAt() != null && !now.isBefore(vm.deletedAt().plus(deleteDelay));
    }

    private Server view(Vm vm, Instant now) {
        String status = vm.deletedAt() != null ? DELETING
                : now.isBefore(vm.createdAt().plus(bootDelay)) ? PROVISIONING : RUNNING;
        // Hetzner assigns the primary IP at once; DigitalOcean lists it once the droplet is active.
        boolean hasIp = flavour == HETZNER || !PROVISIONING.equals(status);
        return new Server(vm.id(), status, hasIp ? vm.ipv4() : null, vm.region(), vm.instanceType());
    }

    /** The account a token stands for, or INVALID_TOKEN. */
    private String account(String apiToken) {
        if (apiToken == null || apiToken.length() < MIN_TOKEN_LENGTH || apiToken.startsWith("invalid")) {
            throw ProviderException.invalidToken(flavour.displayName(), 401);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(apiToken.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

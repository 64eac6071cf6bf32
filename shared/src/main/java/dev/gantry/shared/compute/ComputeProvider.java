package dev.gantry.shared.compute;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One customer's cloud account at a VM provider (a driver at the edge: {@link HetznerCloud} and
 * {@link DigitalOcean} speak HTTP to the provider, {@link SimulatedProvider} keeps VMs in memory).
 * <p>
 * The customer's API token is passed on every call rather than held by the driver: it is stored
 * encrypted per compute target, and one driver instance serves every customer. No implementation
 * puts a token in an exception message, a log line or a {@code toString}.
 * <p>
 * Failures are {@link ProviderException}s, whose {@link ProviderException.Kind} tells the caller
 * what to do (ask for a new token, come back later, show the provider's complaint).
 */
public interface ComputeProvider {

    /** The statuses every provider's own vocabulary is mapped onto. */
    String PROVISIONING = "provisioning";
    String RUNNING = "running";
    String OFF = "off";
    String DELETING = "deleting";

    /** What a valid token's account offers: where VMs may be created, and where by default. */
    record Account(String defaultRegion, List<String> regions) {
        public Account {
            Objects.requireNonNull(defaultRegion, "defaultRegion");
            regions = List.copyOf(regions);
        }
    }

    /**
     * A VM to create. {@code labels} become provider labels (Hetzner) or {@code key:value} tags
     * (DigitalOcean), so a VM can be traced back to the Gantry environment that owns it.
     */
    record CreateServer(String name, String region, String instanceType, String image, Map<String, String> labels) {
        public CreateServer {
            requireText(name, "name");
            requireText(region, "region");
            requireText(instanceType, "instanceType");
            requireText(image, "image");
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }

        private static void requireText(String value, String field) {
            if (value == null || value.isBlank()) throw new IllegalArgumentException(field + " is required");
        }
    }

    /**
     * A VM as the provider reports it. {@code status} is one of {@link #PROVISIONING},
     * {@link #RUNNING}, {@link #OFF}, {@link #DELETING}; {@code ipv4} is null until the provider has
     * assigned a public address (DigitalOcean assigns it only once the droplet is active).
     */
    record Server(String id, String status, String ipv4, String region, String instanceType) {}

    /**
     * What the provider's own monitoring last measured on a VM, as percentages in [0, 100]. A field
     * is null when the provider does not measure it (Hetzner Cloud has no memory metric and only
     * disk IOPS/bandwidth, not a fill level) or has no sample yet (a DigitalOcean droplet without
     * the monitoring agent, a VM that just booted). {@code collectedAt} is the time of the newest
     * sample used, null exactly when every field is null.
     */
    record Metrics(Double cpuPct, Double memPct, Double diskPct, Instant collectedAt) {
        public static final Metrics NONE = new Metrics(null, null, null, null);

        public boolean isEmpty() { return cpuPct == null && memPct == null && diskPct == null; }
    }

    /** Checks the token against the provider's API; {@link ProviderException.Kind#INVALID_TOKEN} when it is refused. */
    Account verify(String apiToken);

    /**
     * Creates a VM. Retried automatically only when the provider refused it with 429 (nothing was
     * created then); a timeout or 5xx is not retried, because the VM may exist anyway: the caller
     * reconciles (by name or labels) before trying again.
     */
    Server create(String apiToken, CreateServer spec);

    /** The VM, or empty when the provider does not know it (deleted, or another account's). */
    Optional<Server> get(String apiToken, String serverId);

    /** Deletes the VM; a VM the provider no longer knows counts as deleted, so this is idempotent. */
    void delete(String apiToken, String serverId);

    /**
     * The VM's latest metrics from the provider's monitoring API over the few minutes before
     * {@code now}, or empty when the provider does not know the VM. Meant for an API request
     * path: one attempt per provider request (no retries, a 429 is thrown at once) and a short
     * timeout; failures are {@link ProviderException}s like everywhere else.
     */
    Optional<Metrics> metrics(String apiToken, String serverId, Instant now);

    /** {@code hetzner} or {@code digitalocean}: the name the API's {@code provider} field uses. */
    String name();

    /** The instance type used when an environment names none: the provider's smallest general-purpose VM. */
    String defaultInstanceType();
}

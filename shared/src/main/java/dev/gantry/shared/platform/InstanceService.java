package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Tx;

import dev.gantry.shared.compute.ComputeProvider;
import dev.gantry.shared.compute.ProviderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Instances (API.md §8): read them (one instance with live metrics from its provider's monitoring
 * API), or destroy one through a job that calls the provider's delete API.
 */
public final class InstanceService {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceService.class);
    /** How long a GET instance waits for the provider's metrics before answering without them. */
    public static final Duration METRICS_DEADLINE = Duration.ofSeconds(6);

    private final Platform p;
    private final ComputeTargetService computeTargets;
    private final Duration metricsDeadline;

    public InstanceService(Platform platform, ComputeTargetService computeTargets) {
        this(platform, computeTargets, METRICS_DEADLINE);
    }

    public InstanceService(Platform platform, ComputeTargetService computeTargets, Duration metricsDeadline) {
        this.p = platform;
        this.computeTargets = computeTargets;
        this.metricsDeadline = metricsDeadline;
    }

    /**
     * VMKit's instance shape. {@code metrics} come from the provider's own monitoring API, read
     * live, and only by the single-instance GET ({@link #withLiveMetrics}) of a {@code running}
     * instance: lists never call providers, so their {@code metrics} are null. They are null too
     * when the provider has no sample yet; when the provider could not be read, {@code metrics}
     * is null and {@code metricsError} says why (safe to show; never the token). Gantry has no
     * agent, so {@code agent_connected} is false and {@code container_count} null.
     */
    public record View(String id, String provider, String providerServerId, String region, String instanceType, String ip, String status,
                       String statusReason, boolean agentConnected, String environmentId, String computeTargetId, Metrics metrics,
                       String metricsError, String createdAt, String updatedAt) {
        public static View of(InstanceRepository.Instance i) {
            return of(i, null, null);
        }

        public static View of(InstanceRepository.Instance i, Metrics metrics, String metricsError) {
            return new View(i.id(), i.provider(), i.providerServerId(), i.region(), i.instanceType(), i.ip(), i.status(), i.statusReason(),
                    false, i.environmentId(), i.computeTargetId(), metrics, metricsError, i.createdAt().toString(),
                    i.updatedAt() == null ? null : i.updatedAt().toString());
        }
    }

    /** Percentages rounded to one decimal; a field is null when the provider does not measure it. */
    public record Metrics(Double cpuPct, Double memPct, Double diskPct, Integer containerCount, String collectedAt) {
        static Metrics of(ComputeProvider.Metrics m) {
            return new Metrics(round1(m.cpuPct()), round1(m.memPct()), round1(m.diskPct()), null, m.collectedAt().toString());
        }

        private static Double round1(Double v) {
            return v == null ? null : Math.round(v * 10) / 10.0;
        }
    }

    /**
     * The instance with its provider's latest metrics when it is {@code running}. Never fails
     * because of the provider: a refusal, an outage, a rate limit or {@link #METRICS_DEADLINE}
     * passing answers {@code metrics: null} with a {@code metrics_error}.
     */
    public View withLiveMetrics(InstanceRepository.Instance i) {
        if (!"running".equals(i.status()) || i.providerServerId() == null) return View.of(i);
        ComputeProvider provider;
        String token;
        try {
            ComputeTargetRepository.ComputeTarget target = p.computeTargets().get(i.computeTargetId());
            if (target == null) return View.of(i, null, "Live metrics are unavailable: the instance's compute target no longer exists.");
            provider = computeTargets.provider(i.provider());
            token = computeTargets.token(target);
        } catch (RuntimeException e) {
            LOG.warn("metrics of {} not read: {}", i.id(), e.getClass().getSimpleName());
            return View.of(i, null, "Live metrics are unavailable right now; try again later.");
        }
        Instant now = p.clock().instant();
        CompletableFuture<Optional<ComputeProvider.Metrics>> call = new CompletableFuture<>();
        Thread.ofVirtual().name("metrics-" + i.id()).start(() -> {
            try {
                call.complete(provider.metrics(token, i.providerServerId(), now));
            } catch (Throwable t) {
                call.completeExceptionally(t);
            }
        });
        try {
            Optional<ComputeProvider.Metrics> m = call.get(metricsDeadline.toMillis(), TimeUnit.MILLISECONDS);
            if (m.isEmpty()) return View.of(i, null, "Live metrics are unavailable: " + provider.name() + " does not report this server.");
            return View.of(i, m.get().isEmpty() ? null : Metrics.of(m.get()), null);
        } catch (TimeoutException e) {
            call.cancel(true);
            LOG.warn("metrics of {} from {}: no answer in {} ms", i.id(), provider.name(), metricsDeadline.toMillis());
            return View.of(i, null, "Live metrics are unavailable: " + provider.name() + " did not answer in time; try again later.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ProviderException pe) {
                LOG.info("metrics of {} from {}: {} ({})", i.id(), provider.name(), pe.kind(), pe.status());
                return View.of(i, null, "Live metrics are unavailable: " + pe.getMessage());
            }
            LOG.warn("metrics of {} from {} failed: {}", i.id(), provider.name(), e.getCause().getClass().getSimpleName());
            return View.of(i, null, "Live metrics are unavailable right now; try again later.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return View.of(i, null, "Live metrics are unavailable right now; try again later.");
        }
    }

    public record Destroying(String status, String jobId) {}

    public InstanceRepository.Instance require(Principal principal, String id) {
        InstanceRepository.Instance i = Ids.isValid("inst", id) ? p.instances().get(id) : null;
        if (i == null || !i.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("instance");
        return i;
    }

    public Page<View> list(Principal principal, int limit, String cursor) {
        String scope = "instances:" + principal.workspaceId();
        var slice = p.instances().list(principal.workspaceId(), limit, p.cursors().decode(scope, cursor));
        return new Page<>(slice.instances().stream().map(View::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }

    /** Marks the instance destroying and queues the job that deletes the VM at the provider. */
    public Destroying destroy(Principal principal, String id, Long expectedVersion, Caller caller) {
        InstanceRepository.Instance current = require(principal, id);
        if (current.status().equals("destroying")) return new Destroying("destroying", null);
        if (current.status().equals("destroyed")) throw ApiException.conflict("conflict", "This instance is already destroyed.");
        Instant now = p.clock().instant();
        Tx tx = new Tx(p.table());
        p.instances().setStatus(tx, id, "destroying", null, null, expectedVersion, List.of("provisioning", "running", "failed"), now);
        Jobs.Started start = Jobs.enqueue(p, tx, principal.workspaceId(), JobRepository.DESTROY, null, id, now);
        p.audit().record(tx, caller, null, principal.workspaceId(), "instance.destroy_requested", "instance", id, Map.of());
        tx.commit();
        p.outbox().publish(List.of(start.message()));
        return new Destroying("destroying", start.jobId());
    }
}

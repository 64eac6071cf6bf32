package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Instances (API.md §8): read them, or destroy one through a job that calls the provider's delete API. */
public final class InstanceService {
    private final Platform p;

    public InstanceService(Platform platform) {
        this.p = platform;
    }

    /**
     * VMKit's instance shape. {@code metrics} are what the instance's agent last reported; Gantry
     * has no agent yet, so they are null and {@code agent_connected} is false (see README).
     */
    public record View(String id, String provider, String providerServerId, String region, String instanceType, String ip, String status,
                       String statusReason, boolean agentConnected, String environmentId, String computeTargetId, Metrics metrics,
                       String createdAt, String updatedAt) {
        public static View of(InstanceRepository.Instance i) {
            return new View(i.id(), i.provider(), i.providerServerId(), i.region(), i.instanceType(), i.ip(), i.status(), i.statusReason(),
                    false, i.environmentId(), i.computeTargetId(), null, i.createdAt().toString(),
                    i.updatedAt() == null ? null : i.updatedAt().toString());
        }
    }

    public record Metrics(double cpuPct, double memPct, double diskPct, int containerCount, String collectedAt) {}

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

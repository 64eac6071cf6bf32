package dev.gantry.shared.platform;

import dev.gantry.shared.compute.ComputeProvider;
import dev.gantry.shared.compute.ProviderException;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Gets an environment a running VM, one step at a time, so a job or a deploy can call it again
 * until it is done: records the instance before asking the provider (so a retry finds it), creates
 * the server once, then reports whether it is running yet. Provider failures come back as
 * {@link Outcome#failed}, with the provider's safe message as the reason.
 */
public final class Provisioner {
    public static final String IMAGE = "ubuntu-24.04";

    private final Platform p;
    private final ComputeTargetService computeTargets;

    public Provisioner(Platform platform, ComputeTargetService computeTargets) {
        this.p = platform;
        this.computeTargets = computeTargets;
    }

    /** Where provisioning got to: {@code instance} is set once it is recorded; {@code reason} when it failed. */
    public record Outcome(State state, InstanceRepository.Instance instance, String reason) {
        public enum State { RUNNING, PENDING, FAILED }

        static Outcome running(InstanceRepository.Instance i) { return new Outcome(State.RUNNING, i, null); }
        static Outcome pending(InstanceRepository.Instance i) { return new Outcome(State.PENDING, i, null); }
        static Outcome failed(InstanceRepository.Instance i, String reason) { return new Outcome(State.FAILED, i, reason); }
    }

    public Outcome step(EnvironmentRepository.Environment env) {
        Instant now = p.clock().instant();
        var target = p.computeTargets().get(env.computeTargetId());
        if (target == null) return Outcome.failed(null, "the environment's compute target no longer exists");
        ComputeProvider provider = computeTargets.provider(target.provider());
        InstanceRepository.Instance inst = env.instanceId() == null ? null : p.instances().get(env.instanceId());
        if (inst != null && inst.status().equals("running")) return Outcome.running(inst);
        if (inst != null && inst.status().equals("destroying")) return Outcome.failed(inst, "the environment's VM is being destroyed");
        if (inst == null || inst.status().equals("destroyed") || inst.status().equals("failed")) {
            String id = Ids.newId("inst", now);
            inst = new InstanceRepository.Instance(id, env.workspaceId(), env.id(), target.id(), target.provider(), null, env.region(),
                    env.instanceType(), null, "provisioning", null, now, now, 1);
            Tx tx = new Tx(p.table());
            p.instances().create(tx, inst);
            p.environments().setStatus(tx, env.id(), "provisioning", null, id, null, now);
            var created = p.events().emit(tx, env.workspaceId(), "instance.created", InstanceService.View.of(inst));
            tx.commit();
            p.events().publish(created);
        }
        try {
            String token = computeTargets.token(target);
            String serverId = inst.providerServerId();
            if (serverId == null) {
                var server = provider.create(token, new ComputeProvider.CreateServer("gantry-" + inst.id().substring(5),
                        env.region(), env.instanceType(), IMAGE, Map.of("gantry_instance", inst.id(), "gantry_environment", env.id())));
                serverId = server.id();
                Tx tx = new Tx(p.table());
                p.instances().setProviderServer(tx, inst.id(), serverId, server.ipv4(), p.clock().instant());
                tx.commit();
            }
            Optional<ComputeProvider.Server> server = provider.get(token, serverId);
            if (server.isEmpty()) return Outcome.failed(inst, "the VM " + serverId + " no longer exists at " + provider.name());
            if (!server.get().status().equals(ComputeProvider.RUNNING)) return Outcome.pending(inst);
            Tx tx = new Tx(p.table());
            p.instances().setStatus(tx, inst.id(), "running", server.get().ipv4(), null, null, null, p.clock().instant());
            p.environments().setStatus(tx, env.id(), "ready", null, inst.id(), null, p.clock().instant());
            tx.commit();
            return Outcome.running(p.instances().get(inst.id()));
        } catch (ProviderException e) {
            return Outcome.failed(inst, provider.name() + ": " + e.getMessage());
        }
    }

    /** Records a provisioning failure on the instance and the environment, in {@code tx}. */
    public void recordFailure(Tx tx, EnvironmentRepository.Environment env, InstanceRepository.Instance inst, String reason) {
        Instant now = p.clock().instant();
        if (inst != null) p.instances().setStatus(tx, inst.id(), "failed", null, reason, null, null, now);
        p.environments().setStatus(tx, env.id(), "failed", reason, inst == null ? null : inst.id(), null, now);
    }
}

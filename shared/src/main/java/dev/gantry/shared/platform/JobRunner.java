package dev.gantry.shared.platform;

import dev.gantry.shared.compute.ComputeProvider;
import dev.gantry.shared.compute.ProviderException;
import dev.gantry.shared.envvars.BindingService;
import dev.gantry.shared.envvars.EnvVarService;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.Tx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one job from the jobs queue: provisions or destroys a VM through the compute provider.
 * Idempotent: a finished job is never run again, every step reads where the last attempt got to,
 * and the database is changed only after the provider has done its part, in one transaction per
 * step. A provider failure that outlives the provider client's retries ends the job {@code failed}
 * with the reason, and leaves the environment and instance saying what happened.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    /** How long to wait between looks at a VM that is still starting. */
    public static final int POLL_DELAY_SECONDS = 5;
    /** About five minutes of polls. */
    static final int MAX_ATTEMPTS = 60;
    public static final String IMAGE = "ubuntu-24.04";

    private final Platform p;
    private final ComputeTargetService computeTargets;
    private final QueueSender queue;

    private final EnvVarService envVars;
    private final BindingService bindings;

    public JobRunner(Platform platform, ComputeTargetService computeTargets, QueueSender queue, EnvVarService envVars, BindingService bindings) {
        this.p = platform;
        this.computeTargets = computeTargets;
        this.queue = queue;
        this.envVars = envVars;
        this.bindings = bindings;
    }

    /** Runs the job's next step. Throws only on failures worth a redelivery of the message (DynamoDB or SQS trouble). */
    public void run(String jobId) {
        JobRepository.Job job = p.jobs().get(jobId);
        if (job == null || job.terminal()) return;
        if (!p.jobs().start(jobId, p.clock().instant())) return;
        job = p.jobs().get(jobId);
        switch (job.type()) {
            case JobRepository.PROVISION -> provision(job);
            case JobRepository.DESTROY -> destroy(job);
            default -> finish(job, false, "unknown job type " + job.type());
        }
    }

    private void provision(JobRepository.Job job) {
        Instant now = p.clock().instant();
        EnvironmentRepository.Environment env = p.environments().get(job.environmentId());
        if (env == null || env.deleting()) {
            finish(job, true, "the environment was deleted before its VM was provisioned");
            return;
        }
        var target = p.computeTargets().get(env.computeTargetId());
        ComputeProvider provider = computeTargets.provider(target.provider());
        String token = computeTargets.token(target);
        InstanceRepository.Instance inst = env.instanceId() == null ? null : p.instances().get(env.instanceId());
        if (inst == null) {
            String id = Ids.newId("inst", now);
            inst = new InstanceRepository.Instance(id, env.workspaceId(), env.id(), target.id(), target.provider(), null, env.region(),
                    env.instanceType(), null, "provisioning", null, now, now, 1);
            Tx tx = new Tx(p.table());
            p.instances().create(tx, inst);
            p.environments().setStatus(tx, env.id(), "provisioning", null, id, null, now);
            tx.commit();
        }
        String serverId = inst.providerServerId();
        try {
            if (serverId == null) {
                var server = provider.create(token, new ComputeProvider.CreateServer("gantry-" + inst.id().substring(5).toLowerCase(),
                        env.region(), env.instanceType(), IMAGE, Map.of("gantry_instance", inst.id(), "gantry_environment", env.id())));
                serverId = server.id();
                Tx tx = new Tx(p.table());
                p.instances().setProviderServer(tx, inst.id(), serverId, server.ipv4(), p.clock().instant());
                tx.commit();
            }
            Optional<ComputeProvider.Server> server = provider.get(token, serverId);
            if (server.isEmpty()) {
                failProvision(job, env, inst, "the VM " + serverId + " no longer exists at " + provider.name());
            } else if (server.get().status().equals("running")) {
                Tx tx = new Tx(p.table());
                p.instances().setStatus(tx, inst.id(), "running", server.get().ipv4(), null, null, null, p.clock().instant());
                p.environments().setStatus(tx, env.id(), "ready", null, inst.id(), null, p.clock().instant());
                p.jobs().finish(tx, job.id(), true, null, p.clock().instant());
                tx.commit();
            } else if (job.attempts() >= MAX_ATTEMPTS) {
                failProvision(job, env, inst, "the VM did not start within " + (MAX_ATTEMPTS * POLL_DELAY_SECONDS / 60) + " minutes");
            } else {
                queue.send(Platform.JOBS_QUEUE, Jobs.message(job.id()), POLL_DELAY_SECONDS);
            }
        } catch (ProviderException e) {
            failProvision(job, env, inst, provider.name() + ": " + e.getMessage());
        }
    }

    private void failProvision(JobRepository.Job job, EnvironmentRepository.Environment env, InstanceRepository.Instance inst, String reason) {
        LOG.warn("job {} ({}) failed: {}", job.id(), job.type(), reason);
        Instant now = p.clock().instant();
        Tx tx = new Tx(p.table());
        p.instances().setStatus(tx, inst.id(), "failed", null, reason, null, null, now);
        p.environments().setStatus(tx, env.id(), "failed", reason, inst.id(), null, now);
        p.jobs().finish(tx, job.id(), false, reason, now);
        tx.commit();
    }

    private void destroy(JobRepository.Job job) {
        Instant now = p.clock().instant();
        EnvironmentRepository.Environment env = job.environmentId() == null ? null : p.environments().get(job.environmentId());
        String instanceId = job.instanceId() != null ? job.instanceId() : env == null ? null : env.instanceId();
        if (instanceId == null && env != null) instanceId = p.environments().get(env.id()).instanceId();
        InstanceRepository.Instance inst = instanceId == null ? null : p.instances().get(instanceId);
        boolean vmGone = inst == null || inst.status().equals("destroyed");
        if (!vmGone && inst.providerServerId() == null && inst.status().equals("provisioning") && job.attempts() < 20) {
            // the provisioning job is between "instance recorded" and "VM created": look again shortly
            queue.send(Platform.JOBS_QUEUE, Jobs.message(job.id()), POLL_DELAY_SECONDS * 2);
            return;
        }
        if (!vmGone && inst.providerServerId() != null) {
            var target = p.computeTargets().get(inst.computeTargetId());
            ComputeProvider provider = computeTargets.provider(inst.provider());
            try {
                provider.delete(computeTargets.token(target), inst.providerServerId());
            } catch (ProviderException e) {
                String reason = "could not delete the VM at " + provider.name() + ": " + e.getMessage();
                LOG.warn("job {} ({}) failed: {}", job.id(), job.type(), reason);
                Tx tx = new Tx(p.table());
                p.instances().setStatus(tx, inst.id(), "failed", null, reason, null, null, now);
                if (env != null) p.environments().setStatus(tx, env.id(), "delete_failed", reason, null, null, now);
                p.jobs().finish(tx, job.id(), false, reason, now);
                tx.commit();
                return;
            }
        }
        if (env != null) {
            // the environment is marked deleting: its bindings stop counting as references, its vars expire
            bindings.releaseDeletedEnvironment(env.id());
            envVars.purgeDeletedEnvironment(env.id());
        }
        Tx tx = new Tx(p.table());
        if (!vmGone) p.instances().setStatus(tx, inst.id(), "destroyed", null, null, null, null, now);
        if (env != null) {
            p.environments().remove(tx, env);
            p.workspaces().release(tx, env.workspaceId(), Plan.Resource.ENVIRONMENTS);
            p.computeTargets().removeReference(tx, env.computeTargetId());
        }
        p.jobs().finish(tx, job.id(), true, null, now);
        tx.commit();
    }

    private void finish(JobRepository.Job job, boolean ok, String reason) {
        Tx tx = new Tx(p.table());
        p.jobs().finish(tx, job.id(), ok, reason, p.clock().instant());
        tx.commit();
    }
}

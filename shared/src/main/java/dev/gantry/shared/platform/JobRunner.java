package dev.gantry.shared.platform;

import dev.gantry.shared.compute.ComputeProvider;
import dev.gantry.shared.compute.ProviderException;
import dev.gantry.shared.envvars.BindingService;
import dev.gantry.shared.envvars.EnvVarService;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.store.Tx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;

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

    private final Platform p;
    private final ComputeTargetService computeTargets;
    private final QueueSender queue;

    private final EnvVarService envVars;
    private final BindingService bindings;
    private final Provisioner provisioner;

    public JobRunner(Platform platform, ComputeTargetService computeTargets, QueueSender queue, EnvVarService envVars, BindingService bindings) {
        this.p = platform;
        this.computeTargets = computeTargets;
        this.queue = queue;
        this.envVars = envVars;
        this.bindings = bindings;
        this.provisioner = new Provisioner(platform, computeTargets);
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
        EnvironmentRepository.Environment env = p.environments().get(job.environmentId());
        if (env == null || env.deleting()) {
            finish(job, true, "the environment was deleted before its VM was provisioned");
            return;
        }
        Provisioner.Outcome outcome = provisioner.step(env);
        switch (outcome.state()) {
            case RUNNING -> finish(job, true, null);
            case PENDING -> {
                if (job.attempts() >= MAX_ATTEMPTS) {
                    fail(job, env, outcome.instance(), "the VM did not start within " + (MAX_ATTEMPTS * POLL_DELAY_SECONDS / 60) + " minutes");
                } else {
                    queue.send(Platform.JOBS_QUEUE, Jobs.message(job.id()), POLL_DELAY_SECONDS);
                }
            }
            case FAILED -> fail(job, env, outcome.instance(), outcome.reason());
        }
    }

    private void fail(JobRepository.Job job, EnvironmentRepository.Environment env, InstanceRepository.Instance inst, String reason) {
        LOG.warn("job {} ({}) failed: {}", job.id(), job.type(), reason);
        Tx tx = new Tx(p.table());
        provisioner.recordFailure(tx, env, inst, reason);
        p.jobs().finish(tx, job.id(), false, reason, p.clock().instant());
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
        List<dev.gantry.shared.queues.Outbox.Message> events = new java.util.ArrayList<>();
        if (!vmGone) {
            p.instances().setStatus(tx, inst.id(), "destroyed", null, null, null, null, now);
            events.add(p.events().emit(tx, inst.workspaceId(), "instance.destroyed",
                    Map.of("id", inst.id(), "provider", inst.provider(), "environment_id", String.valueOf(inst.environmentId()))));
        }
        if (env != null) {
            events.add(p.events().emit(tx, env.workspaceId(), "environment.deleted",
                    Map.of("id", env.id(), "name", env.name(), "repo_id", env.repoId())));
            p.environments().remove(tx, env);
            p.workspaces().release(tx, env.workspaceId(), Plan.Resource.ENVIRONMENTS);
            p.computeTargets().removeReference(tx, env.computeTargetId());
        }
        p.jobs().finish(tx, job.id(), true, null, now);
        tx.commit();
        p.outbox().publish(events);
    }

    private void finish(JobRepository.Job job, boolean ok, String reason) {
        Tx tx = new Tx(p.table());
        p.jobs().finish(tx, job.id(), ok, reason, p.clock().instant());
        tx.commit();
    }
}

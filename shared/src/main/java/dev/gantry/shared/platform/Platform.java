package dev.gantry.shared.platform;

import dev.gantry.shared.crypto.EnvelopeCipher;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Table;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * What the platform services share: the table and its repositories, the outbox, the audit log,
 * cursors, the envelope cipher and the clock. Built once per container by the wiring.
 */
public record Platform(Table table, Clock clock, Cursors cursors, AuditLog audit, Outbox outbox, Supplier<EnvelopeCipher> cipher,
                       WorkspaceRepository workspaces, RepoRepository repos, InstallationRepository installations,
                       EnvironmentRepository environments, ComputeTargetRepository computeTargets, InstanceRepository instances,
                       JobRepository jobs, DeployRepository deploys, dev.gantry.shared.webhooks.Events events) {

    public static Platform over(Table table, Clock clock, Cursors cursors, AuditLog audit, Outbox outbox, Supplier<EnvelopeCipher> cipher,
                                WorkspaceRepository workspaces) {
        return new Platform(table, clock, cursors, audit, outbox, cipher, workspaces, new RepoRepository(table),
                new InstallationRepository(table), new EnvironmentRepository(table), new ComputeTargetRepository(table),
                new InstanceRepository(table), new JobRepository(table), new DeployRepository(table),
                new dev.gantry.shared.webhooks.Events(outbox, clock));
    }

    /** The queue that runs jobs (and, later, deploy steps). */
    public static final String JOBS_QUEUE = "deploys";
    public static final String SCANS_QUEUE = "scans";
}

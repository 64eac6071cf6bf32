package dev.gantry.shared.platform;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.Map;

/** Starts a job: the job item and the outbox message that runs it, in the caller's transaction. */
final class Jobs {
    private Jobs() {}

    /** A queued job and the message that starts it (publish it after the commit). */
    record Started(String jobId, Outbox.Message message) {}

    static Started enqueue(Platform p, Tx tx, String workspaceId, String type, String environmentId, String instanceId, Instant now) {
        String id = Ids.newId("job", now);
        p.jobs().create(tx, new JobRepository.Job(id, workspaceId, type, "queued", environmentId, instanceId, null, 0, now, now));
        return new Started(id, p.outbox().add(tx, Platform.JOBS_QUEUE, message(id), 0));
    }

    /** The body of a job's queue message. */
    static String message(String jobId) {
        return Json.writeString(Map.of("kind", "job", "job_id", jobId));
    }
}

package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;

import java.util.List;

/** {@code GET /v1/jobs} (API.md §9): how many jobs are queued and running, and the jobs, newest first. */
public final class JobsView {
    private final Platform p;

    public JobsView(Platform platform) {
        this.p = platform;
    }

    public record JobView(String id, String type, String status, String environmentId, String instanceId, String reason, long attempts,
                          String createdAt, String updatedAt) {
        static JobView of(JobRepository.Job j) {
            return new JobView(j.id(), j.type(), j.status(), j.environmentId(), j.instanceId(), j.reason(), j.attempts(),
                    j.createdAt().toString(), j.updatedAt() == null ? null : j.updatedAt().toString());
        }
    }

    public record View(long queued, long running, List<JobView> jobs, String nextCursor) {}

    public View view(Principal principal, int limit, String cursor) {
        List<JobRepository.Job> active = p.jobs().active(principal.workspaceId());
        String scope = "jobs:" + principal.workspaceId();
        var slice = p.jobs().list(principal.workspaceId(), limit, p.cursors().decode(scope, cursor));
        return new View(active.stream().filter(j -> j.status().equals("queued")).count(),
                active.stream().filter(j -> j.status().equals("running")).count(),
                slice.jobs().stream().map(JobView::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }
}

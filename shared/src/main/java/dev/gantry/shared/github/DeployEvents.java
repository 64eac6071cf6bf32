package dev.gantry.shared.github;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the deploy service does with the GitHub events that concern deploys: a push (deploy the
 * environments that track the branch) and a workflow run (the build status of a deploy's commit).
 * Called by the {@code github-events} worker, at least once per delivery: implementations must be
 * idempotent per {@code deliveryId}. {@link #LOGGING} stands in until the deploy service exists.
 */
public interface DeployEvents {
    void onPush(GitHubEvents.Push push);

    void onWorkflowRun(GitHubEvents.WorkflowRun run);

    /** Logs the event and does nothing else (no commit message in the log: it is customer content). */
    DeployEvents LOGGING = new DeployEvents() {
        private static final Logger LOG = LoggerFactory.getLogger(DeployEvents.class);

        @Override
        public void onPush(GitHubEvents.Push p) {
            LOG.info("push {} to {} {} at {} (no deploy service yet)", p.deliveryId(), p.repoFullName(), p.ref(), p.afterSha());
        }

        @Override
        public void onWorkflowRun(GitHubEvents.WorkflowRun r) {
            LOG.info("workflow_run {} {} on {} {} status={} conclusion={} (no deploy service yet)", r.deliveryId(), r.action(),
                    r.repoFullName(), r.headSha(), r.status(), r.conclusion());
        }
    };
}

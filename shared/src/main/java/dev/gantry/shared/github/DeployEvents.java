package dev.gantry.shared.github;

/**
 * What the deploy service does with the GitHub events that concern deploys: a push (deploy the
 * environments that track the branch) and a workflow run (the build status of a deploy's commit).
 * Called by the {@code github-events} worker, at least once per delivery: implementations must be
 * idempotent per {@code deliveryId}.
 */
public interface DeployEvents {
    void onPush(GitHubEvents.Push push);

    void onWorkflowRun(GitHubEvents.WorkflowRun run);
}

package dev.gantry.shared.platform;

import dev.gantry.shared.github.DeployEvents;
import dev.gantry.shared.github.GitHubEvents;

import java.util.function.Supplier;

/** What GitHub's push and workflow_run deliveries do to deploys (API.md §9, §10). */
public final class GitHubDeployEvents implements DeployEvents {
    private final Supplier<DeployService> deploys;
    private final Supplier<DeployRunner> runner;

    public GitHubDeployEvents(Supplier<DeployService> deploys, Supplier<DeployRunner> runner) {
        this.deploys = deploys;
        this.runner = runner;
    }

    @Override
    public void onPush(GitHubEvents.Push p) {
        deploys.get().onPush(p.deliveryId(), p.repoFullName(), p.branch(), p.afterSha(), p.deleted(), p.pusherLogin(), p.headCommitMessage());
    }

    @Override
    public void onWorkflowRun(GitHubEvents.WorkflowRun r) {
        deploys.get().onWorkflowRun(r.repoFullName(), r.headSha(), r.status(), r.conclusion(), r.htmlUrl(), runner.get());
    }
}

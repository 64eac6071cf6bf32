package dev.gantry.shared.github;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.platform.GitHubInstallService;
import dev.gantry.shared.platform.Platform;
import dev.gantry.shared.platform.RepoRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The working half of GitHub webhooks: one {@code github-events} message, one delivery. A message
 * can arrive more than once (SQS, the outbox's relay, GitHub redeliveries), so a delivery already
 * {@code completed} is skipped, and every step is harmless when repeated. The delivery is marked
 * completed only after its work succeeded; a failure leaves it {@code received}, SQS retries, and
 * a GitHub redelivery of the same id is processed again.
 */
public final class GitHubEventProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubEventProcessor.class);

    private final Platform p;
    private final GitHubDeliveries deliveries;
    private final GitHubInstallService installs;
    private final Supplier<DeployEvents> deploys;

    public GitHubEventProcessor(Platform platform, GitHubDeliveries deliveries, GitHubInstallService installs, Supplier<DeployEvents> deploys) {
        this.p = platform;
        this.deliveries = deliveries;
        this.installs = installs;
        this.deploys = deploys;
    }

    /** Processes one queue message (see {@link GitHubEvents#message}). */
    public void process(String messageBody) {
        process(GitHubEvents.readMessage(messageBody).extract());
    }

    public void process(GitHubEvents.Event event) {
        if (deliveries.completed(event.deliveryId())) {
            LOG.info("delivery {} already completed; skipped", event.deliveryId());
            return;
        }
        switch (event) {
            case GitHubEvents.Ping ping -> LOG.info("ping {} from hook {}", ping.deliveryId(), ping.hookId());
            case GitHubEvents.Installation i -> installs.onInstallation(i.action(), i.installationId(), i.repositories());
            case GitHubEvents.InstallationRepositories i -> installs.onInstallationRepositories(i.installationId(), i.added(), i.removed());
            case GitHubEvents.Repository r -> onRepository(r);
            case GitHubEvents.Push push -> deploys.get().onPush(push);
            case GitHubEvents.WorkflowRun run -> deploys.get().onWorkflowRun(run);
        }
        deliveries.markCompleted(event.deliveryId(), p.clock().instant());
    }

    private void onRepository(GitHubEvents.Repository r) {
        switch (r.action()) {
            case "renamed" -> renamed(r);
            case "deleted" -> {
                for (RepoRepository.Repo repo : p.repos().byFullName(r.repoFullName())) p.repos().markGitHubDeleted(repo, p.clock().instant());
            }
            default -> { }
        }
    }

    /**
     * Moves every connected repo of the old name to the new one, one transaction per repo. A
     * redelivery finds no repo under the old name (already moved) and does nothing. A workspace
     * that meanwhile connected a repo of the new name keeps both; the old one keeps its old name
     * (logged; a user sorts it out), which does not fail the delivery for the other workspaces.
     */
    private void renamed(GitHubEvents.Repository r) {
        if (r.previousFullName() == null || r.previousFullName().equals(r.repoFullName())) return;
        for (RepoRepository.Repo repo : p.repos().byFullName(r.previousFullName())) {
            try {
                p.repos().rename(repo, r.repoFullName());
            } catch (ApiException e) {
                LOG.warn("repo {} of workspace {} not renamed to {}: {}", repo.id(), repo.workspaceId(), r.repoFullName(), e.code());
            }
        }
        if (r.installationId() != null && !r.previousFullName().toLowerCase(Locale.ROOT).equals(r.repoFullName().toLowerCase(Locale.ROOT))) {
            // the installation's list of repositories it may use is keyed by name too
            boolean covered = p.installations().reposOf(r.installationId()).stream().anyMatch(n -> n.equalsIgnoreCase(r.previousFullName()));
            if (covered) {
                p.installations().addRepos(r.installationId(), List.of(r.repoFullName()));
                p.installations().removeRepos(r.installationId(), List.of(r.previousFullName()));
            }
        }
    }
}

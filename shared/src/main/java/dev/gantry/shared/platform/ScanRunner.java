package dev.gantry.shared.platform;

import dev.gantry.shared.github.GitHubApiException;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.queues.QueueSender;
import dev.gantry.shared.scan.RepoDetector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one scan: reads the repo's tree (and a few small files) through GitHub's API as the App's
 * installation and records what {@link RepoDetector} finds. When GitHub's rate limit is exhausted
 * the scan is put back on the queue to run after the reset (up to {@link #MAX_RATE_LIMIT_RETRIES}
 * times, at most 15 minutes each); when GitHub is down, the message is redelivered by SQS and the
 * last attempt records the failure.
 */
public final class ScanRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScanRunner.class);
    public static final int MAX_RATE_LIMIT_RETRIES = 3;
    /** SQS's longest message delay. */
    static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final Platform p;
    private final Supplier<GitHubApp> github;
    private final QueueSender queue;
    private final int maxReceives;

    public ScanRunner(Platform platform, Supplier<GitHubApp> github, QueueSender queue, int maxReceives) {
        this.p = platform;
        this.github = github;
        this.queue = queue;
        this.maxReceives = maxReceives;
    }

    /** A scan message: which scan, and how often it was put back for GitHub's rate limit. */
    public record Message(String repoId, String scanId, int rateLimitRetries) {
        public static Message parse(String body) {
            var node = Json.readTree(body);
            return new Message(node.path("repo_id").asText(null), node.path("scan_id").asText(null), node.path("rate_limit_retries").asInt(0));
        }

        String toJson() {
            return Json.writeString(Map.of("kind", "scan", "repo_id", repoId, "scan_id", scanId, "rate_limit_retries", rateLimitRetries));
        }
    }

    /** {@code receiveCount}: how often SQS has delivered this message (1 the first time). */
    public void run(Message m, int receiveCount) {
        RepoRepository.Scan scan = p.repos().getScan(m.repoId(), m.scanId());
        if (scan == null || scan.status().equals("completed") || scan.status().equals("failed")) return;
        if (!p.repos().startScan(m.repoId(), m.scanId())) return;
        RepoRepository.Repo repo = p.repos().get(m.repoId());
        if (repo == null) {
            p.repos().finishScan(m.repoId(), m.scanId(), null, "the repo was disconnected before the scan ran", p.clock().instant());
            return;
        }
        GitHubApp gh = github.get();
        try {
            var tree = gh.tree(repo.installationId(), repo.fullName(), null);
            var d = RepoDetector.detect(tree.paths(), path -> gh.fileContent(repo.installationId(), repo.fullName(), path, tree.ref()));
            var findings = new RepoRepository.Findings(d.language(), d.framework(), d.buildpack(), d.procfileDetected(), d.dockerfileDetected());
            var event = new dev.gantry.shared.queues.Outbox.Message[1];
            p.repos().finishScan(repo.id(), m.scanId(), findings, null, p.clock().instant(), tx -> event[0] = p.events().emit(tx,
                    repo.workspaceId(), "repo.scan_completed", Map.of("repo_id", repo.id(), "full_name", repo.fullName(), "scan_id", m.scanId(),
                            "language", findings.language(), "framework", String.valueOf(findings.framework()),
                            "procfile_detected", findings.procfileDetected(), "dockerfile_detected", findings.dockerfileDetected())));
            p.events().publish(event[0]);
        } catch (GitHubApiException e) {
            switch (e.kind()) {
                case RATE_LIMITED -> {
                    Duration wait = e.retryAfter().orElse(Duration.ofMinutes(1));
                    if (m.rateLimitRetries() < MAX_RATE_LIMIT_RETRIES && wait.compareTo(MAX_DELAY) <= 0) {
                        LOG.info("scan {} waits {} s for GitHub's rate limit", m.scanId(), wait.toSeconds());
                        queue.send(Platform.SCANS_QUEUE, new Message(m.repoId(), m.scanId(), m.rateLimitRetries() + 1).toJson(),
                                (int) Math.max(1, wait.toSeconds()));
                    } else {
                        p.repos().finishScan(repo.id(), m.scanId(), null, e.getMessage(), p.clock().instant());
                    }
                }
                case UNAVAILABLE -> {
                    if (receiveCount < maxReceives) throw e; // SQS delivers it again after the visibility timeout
                    p.repos().finishScan(repo.id(), m.scanId(), null, e.getMessage(), p.clock().instant());
                }
                default -> p.repos().finishScan(repo.id(), m.scanId(), null, e.getMessage(), p.clock().instant());
            }
        }
    }
}

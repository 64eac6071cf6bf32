package dev.gantry.shared.github;

import java.util.List;
import java.util.Optional;

/**
 * What Gantry needs from GitHub as a GitHub App (a driver at the edge): which installations a
 * signed-in user can see, which repositories an installation covers, and enough of a repository's
 * contents to detect how to build it. {@link HttpGitHubApp} speaks to GitHub's REST API;
 * {@link InMemoryGitHubApp} serves fixture repositories for the local server.
 * <p>
 * Every method may throw {@link GitHubApiException}; none ever puts a token in a message.
 */
public interface GitHubApp {

    /** An installation of the App on a user or organization account ({@code accountType}: "User" or "Organization"). */
    record Installation(long id, String accountLogin, long accountId, String accountType) {}

    /**
     * A repository's file list at {@code ref} (the branch asked for, or the default branch when
     * none was). {@code paths} holds files only (blobs), never directories. {@code truncated}: GitHub
     * cut the listing short (very large repositories), so a file's absence proves nothing.
     */
    record RepoTree(String ref, List<String> paths, boolean truncated) {
        public RepoTree {
            paths = List.copyOf(paths);
        }
    }

    /**
     * {@code GET /user/installations} with the user's own OAuth token: the installations of this
     * App the user can access. This is how Gantry checks an {@code installation_id} GitHub sent back
     * through the browser, which GitHub warns can be forged.
     */
    List<Installation> userInstallations(String userAccessToken);

    /** {@code GET /installation/repositories}: the {@code owner/name}s the installation covers. */
    List<String> installationRepositories(long installationId);

    /** The repository's files at {@code ref}, or at its default branch when {@code ref} is null. */
    RepoTree tree(long installationId, String fullName, String ref);

    /**
     * A file's text (UTF-8) at {@code ref} (null: default branch); empty when there is no such file,
     * it is a directory, or it is larger than 1 MiB (callers only read small manifests).
     */
    Optional<String> fileContent(long installationId, String fullName, String path, String ref);

    /** A GitHub Actions workflow run ({@code status}: queued, in_progress, completed; {@code conclusion} once completed). */
    record WorkflowRun(long id, String headSha, String status, String conclusion, String htmlUrl) {}

    /** {@code GET /repos/{o}/{r}/commits/{ref}}: the commit a branch (or tag, or sha) names. */
    String commitSha(long installationId, String fullName, String ref);

    /**
     * {@code POST /repos/{o}/{r}/actions/workflows/{workflow}/dispatches}: starts the workflow on
     * {@code ref} with {@code inputs}. GitHub answers 204 with no run id; the run is found by
     * {@link #workflowRuns} (or arrives as a {@code workflow_run} webhook).
     */
    void dispatchWorkflow(long installationId, String fullName, String workflowFile, String ref, java.util.Map<String, String> inputs);

    /** {@code GET /repos/{o}/{r}/actions/runs?head_sha=}: the runs for one commit, newest first. */
    List<WorkflowRun> workflowRuns(long installationId, String fullName, String headSha);
}

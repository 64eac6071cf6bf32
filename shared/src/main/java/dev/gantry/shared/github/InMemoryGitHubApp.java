package dev.gantry.shared.github;

import dev.gantry.shared.github.GitHubApiException.Kind;
import dev.gantry.shared.scan.FixtureRepos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local server's simulated GitHub: one installation ({@value #INSTALLATION_ID}) on the
 * {@code gantry-demo} organization covering {@link FixtureRepos}, visible to any non-blank user
 * token, every repository on one branch {@value #BRANCH}. An optional delay before each answer
 * makes scans take visible time, as against GitHub.
 */
public final class InMemoryGitHubApp implements GitHubApp {
    public static final long INSTALLATION_ID = 1;
    public static final String BRANCH = "main";
    private static final long ACCOUNT_ID = 1;

    private final Map<String, Map<String, String>> repos;
    private final Duration delay;

    public InMemoryGitHubApp(Map<String, Map<String, String>> repos, Duration delay) {
        this.repos = Map.copyOf(repos);
        this.delay = delay == null ? Duration.ZERO : delay;
    }

    public InMemoryGitHubApp(Duration delay) { this(FixtureRepos.all(), delay); }

    public InMemoryGitHubApp() { this(Duration.ZERO); }

    @Override
    public List<Installation> userInstallations(String userAccessToken) {
        pause();
        if (userAccessToken == null || userAccessToken.isBlank()) {
            throw new GitHubApiException(Kind.UNAUTHORIZED, "GitHub did not accept the token; sign in to GitHub again.");
        }
        return List.of(new Installation(INSTALLATION_ID, FixtureRepos.OWNER, ACCOUNT_ID, "Organization"));
    }

    @Override
    public List<String> installationRepositories(long installationId) {
        pause();
        checkInstallation(installationId);
        return repos.keySet().stream().sorted().toList();
    }

    @Override
    public RepoTree tree(long installationId, String fullName, String ref) {
        pause();
        Map<String, String> files = repo(installationId, fullName);
        if (ref != null && !ref.equals(BRANCH)) throw notFound("tree");
        return new RepoTree(BRANCH, files.keySet().stream().sorted().toList(), false);
    }

    @Override
    public Optional<String> fileContent(long installationId, String fullName, String path, String ref) {
        pause();
        Map<String, String> files = repo(installationId, fullName);
        if (ref != null && !ref.equals(BRANCH)) return Optional.empty();
        return Optional.ofNullable(files.get(path));
    }

    private Map<String, String> repo(long installationId, String fullName) {
        checkInstallation(installationId);
        Map<String, String> files = repos.get(fullName);
        if (files == null) throw notFound("repository");
        return files;
    }

    /** Installation 0 is a repo connected with the installation check skipped (the local server's default): served too. */
    private static void checkInstallation(long installationId) {
        if (installationId != INSTALLATION_ID && installationId != 0) throw notFound("installation");
    }

    private static GitHubApiException notFound(String what) {
        return new GitHubApiException(Kind.NOT_FOUND, "GitHub has no such " + what + ", or Gantry's GitHub App cannot see it.");
    }

    private void pause() {
        if (delay.isZero() || delay.isNegative()) return;
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw GitHubApiException.unavailable("GitHub did not answer; try again later.");
        }
    }
}

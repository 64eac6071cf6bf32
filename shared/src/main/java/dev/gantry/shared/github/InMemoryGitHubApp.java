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

    /** How long a simulated Actions build takes; a commit whose message contains {@code [fail]} fails. */
    public static final Duration BUILD_TIME = Duration.ofSeconds(4);

    private final Map<String, Map<String, String>> repos;
    private final Duration delay;
    private java.time.Clock clock = java.time.Clock.systemUTC();
    private Duration buildTime = BUILD_TIME;
    private final Map<String, SimulatedRun> runs = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong runIds = new java.util.concurrent.atomic.AtomicLong(9_000_000_000L);

    private record SimulatedRun(long id, String fullName, String sha, java.time.Instant started, boolean fails) {}

    public InMemoryGitHubApp(Map<String, Map<String, String>> repos, Duration delay) {
        this.repos = Map.copyOf(repos);
        this.delay = delay == null ? Duration.ZERO : delay;
    }

    /** Builds are timed by {@code clock} and take {@code buildTime} (tests move the clock instead of waiting). */
    public InMemoryGitHubApp withBuilds(java.time.Clock clock, Duration buildTime) {
        this.clock = clock;
        this.buildTime = buildTime;
        return this;
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

    /** A branch names a commit whose sha is derived from the repository's files: stable until they change. */
    @Override
    public String commitSha(long installationId, String fullName, String ref) {
        pause();
        Map<String, String> files = repo(installationId, fullName);
        if (ref.matches("[0-9a-f]{40}")) return ref;
        if (!ref.equals(BRANCH)) throw notFound("branch");
        return java.util.HexFormat.of().formatHex(dev.gantry.shared.crypto.Hmac.digest(
                (fullName + new java.util.TreeMap<>(files)).getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 40);
    }

    /** Starts a simulated run of the workflow for {@code inputs.sha} (or the branch head). */
    @Override
    public void dispatchWorkflow(long installationId, String fullName, String workflowFile, String ref, Map<String, String> inputs) {
        pause();
        repo(installationId, fullName);
        String sha = inputs.getOrDefault("sha", commitSha(installationId, fullName, ref));
        boolean fails = inputs.getOrDefault("message", "").contains("[fail]");
        runs.put(fullName + "@" + sha, new SimulatedRun(runIds.incrementAndGet(), fullName, sha, clock.instant(), fails));
    }

    @Override
    public List<WorkflowRun> workflowRuns(long installationId, String fullName, String headSha) {
        pause();
        repo(installationId, fullName);
        SimulatedRun run = runs.get(fullName + "@" + headSha);
        if (run == null) return List.of();
        boolean done = !clock.instant().isBefore(run.started().plus(buildTime));
        return List.of(new WorkflowRun(run.id(), headSha, done ? "completed" : "in_progress",
                done ? (run.fails() ? "failure" : "success") : null,
                "https://github.com/" + fullName + "/actions/runs/" + run.id()));
    }
}

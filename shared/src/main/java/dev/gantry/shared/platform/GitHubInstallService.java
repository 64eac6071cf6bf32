package dev.gantry.shared.platform;

import dev.gantry.shared.auth.OAuthStates;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.GitHubApiException;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.store.Tx;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Linking the GitHub App to a workspace (API.md §6). GitHub warns that the {@code installation_id}
 * on the setup URL can be forged, so an installation is linked only when the caller's own GitHub
 * token (from GitHub sign-in) lists it among {@code GET /user/installations}. The signed state
 * binds the round trip to the workspace and user that started it.
 */
public final class GitHubInstallService {
    public static final String STATE_PURPOSE = "github_install";
    public static final Duration STATE_TTL = Duration.ofMinutes(15);

    private final Platform p;
    private final OAuthStates states;
    private final Supplier<GitHubApp> app;
    private final Function<String, String> userGitHubToken;
    private final String installUrlBase;

    /**
     * @param userGitHubToken a user id to that user's GitHub token in clear (null when they never signed in with GitHub)
     * @param installUrlBase  {@code https://github.com/apps/<slug>/installations/new}; null when the App is not configured
     */
    public GitHubInstallService(Platform platform, OAuthStates states, Supplier<GitHubApp> app, Function<String, String> userGitHubToken,
                                String installUrlBase) {
        this.p = platform;
        this.states = states;
        this.app = app;
        this.userGitHubToken = userGitHubToken;
        this.installUrlBase = installUrlBase;
    }

    public record InstallationView(long installationId, String accountLogin, String accountType, String status, String linkedAt,
                                   List<String> repositories) {
        static InstallationView of(InstallationRepository.Installation i, List<String> repos) {
            return new InstallationView(i.id(), i.accountLogin(), i.accountType(), i.status(),
                    i.linkedAt() == null ? null : i.linkedAt().toString(), repos);
        }
    }

    /** Where to send the browser: the App's installation page, with a state bound to this workspace and user. */
    public String installRedirect(Principal principal) {
        if (installUrlBase == null) throw ApiException.unavailable("The GitHub App is not configured on this server.");
        String state = states.sign(STATE_PURPOSE, OAuthStates.newStateId(), binding(principal), p.clock().instant().plus(STATE_TTL));
        return installUrlBase + "?state=" + URLEncoder.encode(state, StandardCharsets.UTF_8);
    }

    private static byte[] binding(Principal principal) {
        return OAuthStates.hashNonce(principal.workspaceId() + "|" + principal.userId());
    }

    /** GitHub's redirect back after an installation: verify the state and the caller's access, then link. */
    public InstallationView setup(Principal principal, long installationId, String state, Caller caller) {
        OAuthStates.Claims claims = states.verify(STATE_PURPOSE, state, p.clock().instant());
        if (principal.userId() == null || !Hmac.constantTimeEquals(claims.nonceHash(), binding(principal))) {
            throw ApiException.forbidden("This installation link was started by another user or workspace.");
        }
        String token = userGitHubToken.apply(principal.userId());
        if (token == null) {
            throw ApiException.forbidden("Sign in with GitHub first: Gantry checks with your GitHub account that you can access the installation.");
        }
        GitHubApp github = app.get();
        List<GitHubApp.Installation> mine;
        try {
            mine = github.userInstallations(token);
        } catch (GitHubApiException e) {
            throw asApiError(e);
        }
        GitHubApp.Installation found = mine.stream().filter(i -> i.id() == installationId).findFirst().orElse(null);
        if (found == null) {
            throw ApiException.forbidden("Your GitHub account has no access to installation " + installationId + ".");
        }
        Instant now = p.clock().instant();
        var link = new InstallationRepository.Installation(installationId, principal.workspaceId(), found.accountLogin(), found.accountType(),
                "active", now, principal.userId());
        Tx tx = new Tx(p.table());
        p.installations().link(tx, link);
        p.audit().record(tx, caller, null, principal.workspaceId(), "github_installation.linked", "github_installation",
                Long.toString(installationId), Map.of("account", found.accountLogin()));
        tx.commit();
        List<String> repos;
        try {
            repos = github.installationRepositories(installationId);
            p.installations().addRepos(installationId, repos);
        } catch (GitHubApiException e) {
            // linked; the repository list also arrives with installation webhooks
            repos = p.installations().reposOf(installationId);
        }
        return InstallationView.of(link, repos);
    }

    public List<InstallationView> list(Principal principal) {
        return p.installations().listByWorkspace(principal.workspaceId()).stream()
                .map(i -> InstallationView.of(i, p.installations().reposOf(i.id()))).toList();
    }

    /**
     * An {@code installation} webhook: {@code deleted} unlinks, {@code suspend}/{@code unsuspend}
     * change the status, {@code created} records the repositories it may use.
     */
    public void onInstallation(String action, long installationId, List<String> repositories) {
        switch (action) {
            case "deleted" -> p.installations().unlink(installationId);
            case "suspend" -> p.installations().setStatus(installationId, "suspended");
            case "unsuspend" -> p.installations().setStatus(installationId, "active");
            case "created", "new_permissions_accepted" -> p.installations().addRepos(installationId, repositories);
            default -> { }
        }
    }

    /** An {@code installation_repositories} webhook: repositories added to or removed from the installation. */
    public void onInstallationRepositories(long installationId, List<String> added, List<String> removed) {
        p.installations().addRepos(installationId, added);
        p.installations().removeRepos(installationId, removed);
    }

    static ApiException asApiError(GitHubApiException e) {
        return switch (e.kind()) {
            case UNAUTHORIZED -> ApiException.forbidden("GitHub no longer accepts your GitHub sign-in; sign in with GitHub again.");
            default -> ApiException.unavailable("GitHub is not answering as expected (" + e.getMessage() + "); try again later.");
        };
    }
}

package dev.gantry.shared.github;

/**
 * GitHub's OAuth web flow and the two user endpoints GitHub sign-in reads (a driver at the edge:
 * {@link HttpGitHubOAuthClient} speaks to GitHub, or to a local fake in tests).
 * <p>
 * Failures are {@link dev.gantry.shared.errors.ApiException}s: a code or token GitHub rejects is
 * 400 {@code invalid_token}; GitHub down, slow, unreachable or answering nonsense is 503
 * {@code unavailable}. No message ever holds the client secret, the code or the access token.
 */
public interface GitHubOAuthClient {

    /** The GitHub user behind a token. {@code id} is GitHub's stable numeric id (logins can change). */
    record GitHubUser(long id, String login, String name) {}

    /** Exchanges an authorization code for a user access token ({@code redirectUri}: the one the authorize step used). */
    String exchangeCode(String code, String redirectUri);

    /** {@code GET /user}. */
    GitHubUser user(String accessToken);

    /** {@code GET /user/emails}: the primary email when GitHub has verified it, else null. */
    String primaryVerifiedEmail(String accessToken);
}

package dev.gantry.shared.secrets;

import java.util.List;

/**
 * The master secrets. Each is held in Secrets Manager (locally: generated on first start and kept
 * in the data directory); {@code idEnvVar} tells a function which secret id to read.
 */
public record SecretSpec(String idEnvVar, String defaultId, String purpose) {
    public static final List<SecretSpec> ALL = List.of(
            new SecretSpec("GANTRY_JWT_SECRET_ID", "gantry/jwt-signing-key", "signs access tokens, refresh tokens and cursors"),
            new SecretSpec("GANTRY_API_KEY_PEPPER_SECRET_ID", "gantry/api-key-pepper", "keys the HMAC that API keys are stored under"),
            new SecretSpec("GANTRY_MASTER_KEY_SECRET_ID", "gantry/master-key", "wraps the per-workspace data keys"),
            new SecretSpec("GANTRY_GITHUB_WEBHOOK_SECRET_ID", "gantry/github-webhook-secret", "verifies GitHub webhook signatures"),
            new SecretSpec("GANTRY_GITHUB_OAUTH_CLIENT_SECRET_ID", "gantry/github-oauth-client-secret",
                    "the GitHub OAuth app's client secret, sent with the code exchange of GitHub sign-in (issued by GitHub)"),
            new SecretSpec("GANTRY_GITHUB_APP_PRIVATE_KEY_SECRET_ID", "gantry/github-app-private-key",
                    "the GitHub App's private key (PEM), which signs the JWTs that mint installation tokens (issued by GitHub)"));
}

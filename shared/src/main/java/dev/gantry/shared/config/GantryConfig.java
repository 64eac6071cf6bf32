package dev.gantry.shared.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a function reads from its environment, read once per container. Every setting has a
 * default that works locally; in AWS the CDK stack sets the table name and secret ids.
 */
public record GantryConfig(
        String tableName,
        String region,
        URI dynamoEndpoint,
        URI sqsEndpoint,
        URI secretsEndpoint,
        String jwtSecretId,
        String apiKeyPepperSecretId,
        String masterKeySecretId,
        String githubWebhookSecretId,
        Duration accessTokenTtl,
        Duration refreshTokenTtl,
        int bcryptCost,
        String publicUrl,
        GitHub github,
        Drivers drivers) {

    /**
     * The settings an operator chooses per deployment (docs/configuration.md). The CDK stack passes
     * each one given as a context value of the same name ({@code cdk deploy -c GANTRY_APPS_DOMAIN=...})
     * to every function; the table, secret ids and queue URLs it sets itself.
     */
    public static final List<String> OPERATOR_SETTINGS = List.of(
            "GANTRY_PUBLIC_URL", "GANTRY_APPS_DOMAIN",
            "GANTRY_ACCESS_TOKEN_TTL_SECONDS", "GANTRY_REFRESH_TOKEN_TTL_SECONDS", "GANTRY_BCRYPT_COST",
            "GANTRY_DEPLOY_STUCK_AFTER_SECONDS",
            "GANTRY_GITHUB_CLIENT_ID", "GANTRY_GITHUB_REDIRECT_URI", "GANTRY_GITHUB_APP_ID", "GANTRY_GITHUB_APP_SLUG",
            "GANTRY_GITHUB_URL", "GANTRY_GITHUB_API_URL");

    /**
     * The edges of the platform (DESIGN.md principle 6): the compute providers' and the GitHub
     * App's settings, and the queue URLs. A provider URL left unset means the real provider in AWS
     * and the simulated driver locally; likewise the GitHub App without an app id.
     *
     * @param hetznerUrl            {@code GANTRY_HETZNER_API_URL}
     * @param digitalOceanUrl       {@code GANTRY_DIGITALOCEAN_API_URL}
     * @param githubAppId           {@code GANTRY_GITHUB_APP_ID}; null: no App (simulated locally)
     * @param githubAppSlug         {@code GANTRY_GITHUB_APP_SLUG}: the App's URL name, for the installation page
     * @param githubAppKeySecretId  {@code GANTRY_GITHUB_APP_PRIVATE_KEY_SECRET_ID}: the App's private key (PEM) in Secrets Manager
     * @param skipInstallationCheck {@code GANTRY_GITHUB_SKIP_INSTALLATION_CHECK=true}: connect repos with no linked installation (local only)
     * @param queueUrls             queue name to URL, from {@code GANTRY_QUEUE_<NAME>_URL}
     * @param appsDomain            {@code GANTRY_APPS_DOMAIN}: apps answer on {@code https://<environment>-<repo>.<domain>}
     * @param deployStuckAfterSeconds {@code GANTRY_DEPLOY_STUCK_AFTER_SECONDS} (1800): a deploy with no progress this long is failed
     * @param webhooksAllowLoopback {@code GANTRY_WEBHOOKS_ALLOW_LOOPBACK=true}: customer webhook endpoints may be plain http on
     *                              loopback (development and tests only; never set in AWS). Every other SSRF rule still applies.
     */
    public record Drivers(URI hetznerUrl, URI digitalOceanUrl, String githubAppId, String githubAppSlug, String githubAppKeySecretId,
                          boolean skipInstallationCheck, Map<String, String> queueUrls, String appsDomain, long deployStuckAfterSeconds,
                          boolean webhooksAllowLoopback) {
        static Drivers from(Map<String, String> env) {
            Map<String, String> queues = new java.util.HashMap<>();
            for (var q : dev.gantry.shared.queues.QueueSpec.ALL) {
                String url = env.get(q.urlEnvVar());
                if (url != null && !url.isBlank()) queues.put(q.name(), url.trim());
            }
            return new Drivers(uri(env.get("GANTRY_HETZNER_API_URL")), uri(env.get("GANTRY_DIGITALOCEAN_API_URL")),
                    GitHub.nonBlank(env.get("GANTRY_GITHUB_APP_ID"), null), GitHub.nonBlank(env.get("GANTRY_GITHUB_APP_SLUG"), "gantry"),
                    GitHub.nonBlank(env.get("GANTRY_GITHUB_APP_PRIVATE_KEY_SECRET_ID"), "gantry/github-app-private-key"),
                    "true".equalsIgnoreCase(env.get("GANTRY_GITHUB_SKIP_INSTALLATION_CHECK")), Map.copyOf(queues),
                    GitHub.nonBlank(env.get("GANTRY_APPS_DOMAIN"), "gantry.app"),
                    Long.parseLong(GitHub.nonBlank(env.get("GANTRY_DEPLOY_STUCK_AFTER_SECONDS"), "1800")),
                    "true".equalsIgnoreCase(env.get("GANTRY_WEBHOOKS_ALLOW_LOOPBACK")));
        }
    }

    /**
     * GitHub sign-in (API.md §3). The base URLs are configuration so tests (and GitHub Enterprise)
     * can point them elsewhere; without a client id GitHub sign-in answers 503 {@code unavailable}.
     *
     * @param webUrl         {@code GANTRY_GITHUB_URL}: authorize and token endpoints (default https://github.com)
     * @param apiUrl         {@code GANTRY_GITHUB_API_URL}: the REST API (default https://api.github.com)
     * @param clientId       {@code GANTRY_GITHUB_CLIENT_ID}: the OAuth app's client id; null: not configured
     * @param redirectUri    {@code GANTRY_GITHUB_REDIRECT_URI}: the callback URL registered at GitHub; null:
     *                       derived from the request's host ({@code https://<host>/v1/auth/github/callback})
     * @param clientSecretId {@code GANTRY_GITHUB_OAUTH_CLIENT_SECRET_ID}: the Secrets Manager id of the client secret
     */
    public record GitHub(URI webUrl, URI apiUrl, String clientId, String redirectUri, String clientSecretId) {
        public static final String DEFAULT_WEB_URL = "https://github.com";
        public static final String DEFAULT_API_URL = "https://api.github.com";

        public boolean signInConfigured() {
            return clientId != null;
        }

        public GitHub withClientId(String id) {
            return new GitHub(webUrl, apiUrl, id, redirectUri, clientSecretId);
        }

        static GitHub from(Map<String, String> env) {
            return new GitHub(
                    URI.create(nonBlank(env.get("GANTRY_GITHUB_URL"), DEFAULT_WEB_URL)),
                    URI.create(nonBlank(env.get("GANTRY_GITHUB_API_URL"), DEFAULT_API_URL)),
                    nonBlank(env.get("GANTRY_GITHUB_CLIENT_ID"), null),
                    nonBlank(env.get("GANTRY_GITHUB_REDIRECT_URI"), null),
                    nonBlank(env.get("GANTRY_GITHUB_OAUTH_CLIENT_SECRET_ID"), "gantry/github-oauth-client-secret"));
        }

        static String nonBlank(String value, String fallback) {
            return value == null || value.isBlank() ? fallback : value.trim();
        }
    }

    public static GantryConfig fromEnvironment() {
        return from(System.getenv());
    }

    public static GantryConfig from(Map<String, String> env) {
        return new GantryConfig(
                env.getOrDefault("GANTRY_TABLE", "gantry"),
                env.getOrDefault("AWS_REGION", "us-east-1"),
                uri(env.get("GANTRY_DYNAMODB_ENDPOINT")),
                uri(env.get("GANTRY_SQS_ENDPOINT")),
                uri(env.get("GANTRY_SECRETS_ENDPOINT")),
                env.getOrDefault("GANTRY_JWT_SECRET_ID", "gantry/jwt-signing-key"),
                env.getOrDefault("GANTRY_API_KEY_PEPPER_SECRET_ID", "gantry/api-key-pepper"),
                env.getOrDefault("GANTRY_MASTER_KEY_SECRET_ID", "gantry/master-key"),
                env.getOrDefault("GANTRY_GITHUB_WEBHOOK_SECRET_ID", "gantry/github-webhook-secret"),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("GANTRY_ACCESS_TOKEN_TTL_SECONDS", "900"))),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("GANTRY_REFRESH_TOKEN_TTL_SECONDS", String.valueOf(30 * 24 * 3600)))),
                Integer.parseInt(env.getOrDefault("GANTRY_BCRYPT_COST", "12")),
                env.getOrDefault("GANTRY_PUBLIC_URL", "https://app.gantry.dev"),
                GitHub.from(env),
                Drivers.from(env));
    }

    /** True when talking to local emulators rather than AWS (static credentials, endpoint overrides). */
    public boolean local() {
        return dynamoEndpoint != null;
    }

    public GantryConfig withBcryptCost(int cost) {
        return new GantryConfig(tableName, region, dynamoEndpoint, sqsEndpoint, secretsEndpoint, jwtSecretId, apiKeyPepperSecretId,
                masterKeySecretId, githubWebhookSecretId, accessTokenTtl, refreshTokenTtl, cost, publicUrl, github, drivers);
    }

    public GantryConfig withGitHub(GitHub settings) {
        return new GantryConfig(tableName, region, dynamoEndpoint, sqsEndpoint, secretsEndpoint, jwtSecretId, apiKeyPepperSecretId,
                masterKeySecretId, githubWebhookSecretId, accessTokenTtl, refreshTokenTtl, bcryptCost, publicUrl, settings, drivers);
    }

    private static URI uri(String value) {
        return value == null || value.isBlank() ? null : URI.create(value);
    }
}

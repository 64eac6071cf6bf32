package dev.gantry.shared.config;

import java.net.URI;
import java.time.Duration;
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
        String publicUrl) {

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
                env.getOrDefault("GANTRY_PUBLIC_URL", "https://app.gantry.dev"));
    }

    /** True when talking to local emulators rather than AWS (static credentials, endpoint overrides). */
    public boolean local() {
        return dynamoEndpoint != null;
    }

    public GantryConfig withBcryptCost(int cost) {
        return new GantryConfig(tableName, region, dynamoEndpoint, sqsEndpoint, secretsEndpoint, jwtSecretId, apiKeyPepperSecretId,
                masterKeySecretId, githubWebhookSecretId, accessTokenTtl, refreshTokenTtl, cost, publicUrl);
    }

    private static URI uri(String value) {
        return value == null || value.isBlank() ? null : URI.create(value);
    }
}

package dev.gantry.shared.secrets;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.lambda.powertools.parameters.cache.CacheManager;
import software.amazon.lambda.powertools.parameters.secrets.SecretsProvider;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * Secrets Manager through Powertools parameters, cached for five minutes per container.
 * {@link #fresh} reads through the SDK client directly (Powertools for Java has no force-fetch)
 * and puts the value into the same Powertools cache, so later {@link #get}s see it too.
 * Synchronized: the provider's max-age setting and the cache's expiration are per-call state,
 * and the local server runs one store on many threads (a Lambda container runs one at a time).
 */
public final class SecretsManagerStore implements SecretStore {
    static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final SecretsManagerClient client;
    private final CacheManager cache = new CacheManager();
    private final SecretsProvider provider;

    public SecretsManagerStore(SecretsManagerClient client) {
        this.client = client;
        this.provider = SecretsProvider.builder().withClient(client).withCacheManager(cache).build();
    }

    @Override
    public synchronized String get(String secretId) {
        return nonEmpty(secretId, provider.withMaxAge((int) MAX_AGE.toMinutes(), ChronoUnit.MINUTES).get(secretId));
    }

    @Override
    public synchronized String fresh(String secretId) {
        String value = nonEmpty(secretId, client.getSecretValue(b -> b.secretId(secretId)).secretString());
        cache.setExpirationTime(MAX_AGE);
        try {
            cache.putInCache(secretId, value);
        } finally {
            cache.resetExpirationTime();
        }
        return value;
    }

    private static String nonEmpty(String secretId, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("secret " + secretId + " is empty");
        }
        return value;
    }
}

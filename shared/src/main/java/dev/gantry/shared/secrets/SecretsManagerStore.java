package dev.gantry.shared.secrets;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.lambda.powertools.parameters.secrets.SecretsProvider;

import java.time.temporal.ChronoUnit;

/** Secrets Manager through Powertools parameters, cached for five minutes per container. */
public final class SecretsManagerStore implements SecretStore {
    private final SecretsProvider provider;

    public SecretsManagerStore(SecretsManagerClient client) {
        this.provider = SecretsProvider.builder().withClient(client).build();
    }

    @Override
    public String get(String secretId) {
        String value = provider.withMaxAge(5, ChronoUnit.MINUTES).get(secretId);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("secret " + secretId + " is empty");
        }
        return value;
    }
}

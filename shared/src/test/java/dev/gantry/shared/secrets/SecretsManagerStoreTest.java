package dev.gantry.shared.secrets;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerServiceClientConfiguration;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** get() is cached by Powertools; fresh() bypasses the cache and refreshes it. */
class SecretsManagerStoreTest {
    @Test
    void freshBypassesTheCacheAndLaterReadsSeeTheNewValue() {
        AtomicReference<String> value = new AtomicReference<>("v1");
        AtomicInteger calls = new AtomicInteger();
        SecretsManagerClient client = new SecretsManagerClient() {
            @Override public GetSecretValueResponse getSecretValue(GetSecretValueRequest r) {
                calls.incrementAndGet();
                return GetSecretValueResponse.builder().name(r.secretId()).secretString(value.get()).build();
            }
            @Override public String serviceName() { return "secretsmanager"; }
            @Override public void close() {}
            @Override public SecretsManagerServiceClientConfiguration serviceClientConfiguration() { return null; }
        };
        var store = new SecretsManagerStore(client);
        assertThat(store.get("gantry/github-webhook-secret")).isEqualTo("v1");
        value.set("v2");
        assertThat(store.get("gantry/github-webhook-secret")).as("cached").isEqualTo("v1");
        assertThat(calls).hasValue(1);
        assertThat(store.fresh("gantry/github-webhook-secret")).isEqualTo("v2");
        assertThat(calls).hasValue(2);
        assertThat(store.get("gantry/github-webhook-secret")).as("the cache holds the refreshed value").isEqualTo("v2");
        assertThat(calls).hasValue(2);
    }
}

package dev.gantry.shared.secrets;

/** Reads a master secret by id. Values are cached by the implementation; callers never keep them. */
public interface SecretStore {
    String get(String secretId);

    /**
     * Reads the secret again from its source, bypassing (and then refreshing) the cache, so a
     * rotated value reaches a warm container at once. For callers that just saw the cached value
     * fail (a webhook signature that does not verify); they must rate-limit themselves, since every
     * call here is a request to Secrets Manager. Stores without a cache just read.
     */
    default String fresh(String secretId) {
        return get(secretId);
    }
}

package dev.gantry.shared.secrets;

import dev.gantry.shared.config.GantryConfig;

/**
 * Purpose-bound key rings derived from the master secrets, read through the cached secret store
 * on each use (so a rotation reaches a warm container when the cache expires, with no redeploy).
 * Each purpose gets its own HMAC-derived sub-keys: one secret never signs two kinds of thing.
 */
public final class MasterKeys {
    private final SecretStore store;
    private final GantryConfig config;

    public MasterKeys(SecretStore store, GantryConfig config) {
        this.store = store;
        this.config = config;
    }

    public KeyRing accessTokenKeys() { return ring(config.jwtSecretId(), "access-token/v1"); }

    public KeyRing refreshTokenKeys() { return ring(config.jwtSecretId(), "refresh-token/v1"); }

    public KeyRing cursorKeys() { return ring(config.jwtSecretId(), "cursor/v1"); }

    public KeyRing apiKeyPepper() { return ring(config.apiKeyPepperSecretId(), "api-key/v1"); }

    /** Wraps the per-workspace data keys (envelope encryption). */
    public KeyRing dataKeyWrapping() { return ring(config.masterKeySecretId(), "data-key-wrap/v1"); }

    /** Signs short-lived state values (OAuth state, install state). */
    public KeyRing stateKeys() { return ring(config.jwtSecretId(), "state/v1"); }

    /**
     * The GitHub OAuth app's client secret (GitHub sign-in). Issued by GitHub, used as it is (not a
     * key ring, no derivation); read through the cached store on each use, never kept.
     */
    public String githubOAuthClientSecret() { return store.get(config.github().clientSecretId()).trim(); }

    private KeyRing ring(String secretId, String purpose) {
        String value = store.get(secretId);
        Derived cached = derived.get(secretId + "/" + purpose);
        if (cached != null && cached.value().equals(value)) return cached.ring();
        KeyRing ring = KeyRing.parse(value).derive(purpose);
        derived.put(secretId + "/" + purpose, new Derived(value, ring));
        return ring;
    }

    /** Parsing and deriving once per secret value, not once per request. */
    private record Derived(String value, KeyRing ring) {}

    private final java.util.concurrent.ConcurrentHashMap<String, Derived> derived = new java.util.concurrent.ConcurrentHashMap<>();
}

package dev.gantry.shared.secrets;

import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.crypto.Hmac;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Purpose-bound keys derived from the master secrets. A secret's value is at least 32 random
 * bytes, base64-encoded; each purpose gets its own HMAC-derived sub-key.
 */
public final class MasterKeys {
    private final SecretStore store;
    private final GantryConfig config;

    public MasterKeys(SecretStore store, GantryConfig config) {
        this.store = store;
        this.config = config;
    }

    public byte[] accessTokenKey() { return Hmac.derive(decode(store.get(config.jwtSecretId())), "access-token/v1"); }

    public byte[] refreshTokenKey() { return Hmac.derive(decode(store.get(config.jwtSecretId())), "refresh-token/v1"); }

    public byte[] cursorKey() { return Hmac.derive(decode(store.get(config.jwtSecretId())), "cursor/v1"); }

    static byte[] decode(String value) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            bytes = value.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length < 32) throw new IllegalStateException("a master secret must hold at least 32 bytes");
        return bytes;
    }
}

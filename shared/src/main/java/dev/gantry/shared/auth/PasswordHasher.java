package dev.gantry.shared.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;

import java.nio.charset.StandardCharsets;

/**
 * bcrypt (an adaptive hash) through Patrick Favre's library. Passwords longer than bcrypt's 72
 * bytes are pre-hashed with SHA-512 rather than silently truncated. {@link #verifyNothing} spends
 * the same time as a real check, so an unknown email cannot be told from a wrong password.
 */
public final class PasswordHasher {
    private final int cost;
    private final BCrypt.Hasher hasher;
    private final BCrypt.Verifyer verifier;
    private final String decoy;

    public PasswordHasher(int cost) {
        this.cost = cost;
        this.hasher = BCrypt.with(BCrypt.Version.VERSION_2B, LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B));
        this.verifier = BCrypt.verifyer(BCrypt.Version.VERSION_2B, LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B));
        this.decoy = hash("decoy password nobody has");
    }

    public String hash(String password) {
        return new String(hasher.hash(cost, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII);
    }

    public boolean verify(String password, String hash) {
        return verifier.verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.US_ASCII)).verified;
    }

    /** Burns one verification's worth of time; always false. */
    public boolean verifyNothing(String password) {
        verify(password, decoy);
        return false;
    }
}

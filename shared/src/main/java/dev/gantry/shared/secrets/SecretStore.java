package dev.gantry.shared.secrets;

/** Reads a master secret by id. Values are cached by the implementation; callers never keep them. */
public interface SecretStore {
    String get(String secretId);
}

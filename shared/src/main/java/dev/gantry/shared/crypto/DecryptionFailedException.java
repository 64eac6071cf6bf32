package dev.gantry.shared.crypto;

/**
 * A ciphertext (or the data key it names) could not be decrypted. The message names the reason,
 * the workspace and the data key id — never key material, the ciphertext's body or any plaintext —
 * so it is safe to log. Not an {@code ApiException}: on a request path this is a server-side
 * integrity fault and is answered as an opaque 500.
 */
public final class DecryptionFailedException extends RuntimeException {
    public enum Reason {
        /** Not {@code v1.<dek_id>.<base64url>}, a malformed data key id, non-canonical base64url, or too short. */
        MALFORMED,
        /** A format version this code does not know. */
        UNSUPPORTED_VERSION,
        /** The workspace has no data key with that id (deleted, or the ciphertext came from another workspace). */
        UNKNOWN_DATA_KEY,
        /** The data key was wrapped under a master key version the current key ring does not hold. */
        UNKNOWN_MASTER_KEY_VERSION,
        /** The stored data key did not unwrap: its item was altered or copied from another workspace. */
        DATA_KEY_UNWRAP_FAILED,
        /** The GCM tag did not verify: the ciphertext was altered, or the associated data (item, field, workspace) differs. */
        AUTHENTICATION_FAILED
    }

    private final Reason reason;

    public DecryptionFailedException(Reason reason, String workspaceId, String dataKeyId) {
        super("Decryption failed (" + reason.name().toLowerCase(java.util.Locale.ROOT) + ")"
                + (workspaceId == null ? "" : " workspace=" + workspaceId)
                + (dataKeyId == null ? "" : " data_key=" + dataKeyId));
        this.reason = reason;
    }

    public Reason reason() { return reason; }
}

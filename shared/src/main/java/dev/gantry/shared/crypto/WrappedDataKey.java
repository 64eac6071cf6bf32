package dev.gantry.shared.crypto;

import java.time.Instant;

/**
 * A workspace's data key as stored: 32 random bytes encrypted (AES-256-GCM, {@code iv|ct|tag}) under
 * the master key version {@code masterKeyVersion} of {@code MasterKeys.dataKeyWrapping()}. Never
 * holds the unwrapped key.
 */
public record WrappedDataKey(String workspaceId, String id, String masterKeyVersion, byte[] wrapped, Instant createdAt) {
    public WrappedDataKey withWrapping(String newMasterKeyVersion, byte[] newWrapped) {
        return new WrappedDataKey(workspaceId, id, newMasterKeyVersion, newWrapped, createdAt);
    }

    @Override
    public String toString() {
        return "WrappedDataKey[workspace=" + workspaceId + ", id=" + id + ", master_key_version=" + masterKeyVersion + "]";
    }
}

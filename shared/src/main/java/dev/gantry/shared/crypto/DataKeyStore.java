package dev.gantry.shared.crypto;

import java.util.List;

/**
 * Where wrapped data keys live. {@link DataKeyRepository} is the DynamoDB one; tests may keep them
 * in memory. Every method is scoped to one workspace: a data key id is only looked up under the
 * workspace it belongs to.
 */
public interface DataKeyStore {
    /** The workspace's current data key (what new encryptions use), or null when it has none yet. */
    WrappedDataKey current(String workspaceId);

    /** One data key of the workspace by id, or null. */
    WrappedDataKey get(String workspaceId, String dataKeyId);

    /**
     * Stores {@code key} and makes it the workspace's current one, provided the current one is still
     * {@code expectedCurrentId} (null: the workspace has none yet). False, with nothing written, when
     * another writer got there first.
     */
    boolean addCurrent(WrappedDataKey key, String expectedCurrentId);

    /** Every data key of the workspace, oldest first (maintenance only, never on a request path). */
    List<WrappedDataKey> list(String workspaceId);

    /**
     * Replaces the wrapping of {@code before} (and of the current pointer, when it names this key)
     * with that of {@code after}, provided neither changed since it was read. False otherwise.
     */
    boolean rewrap(WrappedDataKey before, WrappedDataKey after);
}

package dev.gantry.shared.crypto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link DataKeyStore} in memory with the repository's conditions, counting reads and writes. */
final class InMemoryDataKeys implements DataKeyStore {
    final Map<String, WrappedDataKey> keys = new ConcurrentHashMap<>();
    final Map<String, WrappedDataKey> current = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public WrappedDataKey current(String workspaceId) {
        reads.incrementAndGet();
        return current.get(workspaceId);
    }

    @Override
    public WrappedDataKey get(String workspaceId, String dataKeyId) {
        reads.incrementAndGet();
        return keys.get(workspaceId + "/" + dataKeyId);
    }

    @Override
    public synchronized boolean addCurrent(WrappedDataKey key, String expectedCurrentId) {
        writes.incrementAndGet();
        WrappedDataKey now = current.get(key.workspaceId());
        boolean ok = expectedCurrentId == null ? now == null : now != null && now.id().equals(expectedCurrentId);
        if (!ok || keys.containsKey(key.workspaceId() + "/" + key.id())) return false;
        keys.put(key.workspaceId() + "/" + key.id(), key);
        current.put(key.workspaceId(), key);
        return true;
    }

    @Override
    public List<WrappedDataKey> list(String workspaceId) {
        reads.incrementAndGet();
        List<WrappedDataKey> out = new ArrayList<>();
        keys.forEach((k, v) -> { if (k.startsWith(workspaceId + "/")) out.add(v); });
        out.sort(Comparator.comparing(WrappedDataKey::id));
        return out;
    }

    @Override
    public synchronized boolean rewrap(WrappedDataKey before, WrappedDataKey after) {
        writes.incrementAndGet();
        String k = before.workspaceId() + "/" + before.id();
        WrappedDataKey stored = keys.get(k);
        if (stored == null || !Arrays.equals(stored.wrapped(), before.wrapped())) return false;
        keys.put(k, after);
        WrappedDataKey cur = current.get(before.workspaceId());
        if (cur != null && cur.id().equals(before.id())) current.put(before.workspaceId(), after);
        return true;
    }

    /** Stores a key as-is (a test playing an attacker with write access to the table). */
    void plant(WrappedDataKey key) {
        keys.put(key.workspaceId() + "/" + key.id(), key);
    }
}

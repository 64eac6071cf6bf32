package dev.gantry.bench.invoke.crac;

import java.util.ArrayList;
import java.util.List;

/**
 * Mirrors {@code jdk.crac.Core}. {@link #checkpointRestore()} takes no snapshot: it runs every
 * registered hook as Lambda does around a SnapStart snapshot, {@code beforeCheckpoint} in reverse
 * order of registration, then {@code afterRestore} in order of registration, in this same JVM.
 * What follows it in the invoker stands for the first request after a restore.
 */
public final class Core {
    private static final GlobalContext GLOBAL = new GlobalContext();

    private Core() {}

    public static Context<Resource> getGlobalContext() {
        return GLOBAL;
    }

    public static void checkpointRestore() throws CheckpointException, RestoreException {
        GLOBAL.beforeCheckpoint(null);
        GLOBAL.afterRestore(null);
    }

    /** How many resources were registered (org.crac hands over a proxy for each). */
    public static int registered() {
        return GLOBAL.size();
    }

    private static final class GlobalContext extends Context<Resource> {
        private final List<Resource> resources = new ArrayList<>();

        @Override
        public synchronized void register(Resource resource) {
            resources.add(resource);
        }

        synchronized int size() {
            return resources.size();
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) throws CheckpointException {
            List<Resource> all;
            synchronized (this) {
                all = new ArrayList<>(resources);
            }
            CheckpointException failed = null;
            for (int i = all.size() - 1; i >= 0; i--) {
                try {
                    all.get(i).beforeCheckpoint(this);
                } catch (Exception e) {
                    if (failed == null) failed = new CheckpointException();
                    failed.addSuppressed(e);
                }
            }
            if (failed != null) throw failed;
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) throws RestoreException {
            List<Resource> all;
            synchronized (this) {
                all = new ArrayList<>(resources);
            }
            RestoreException failed = null;
            for (Resource r : all) {
                try {
                    r.afterRestore(this);
                } catch (Exception e) {
                    if (failed == null) failed = new RestoreException();
                    failed.addSuppressed(e);
                }
            }
            if (failed != null) throw failed;
        }
    }
}

package dev.gantry.bench.invoke;

/**
 * Loaded by the invoker right after a SnapStart stand-in's restore, and by nothing else: in a
 * {@code -Xlog:class+load} log, the classes after this one's line are those the first request
 * after the restore had to load ({@code ClassLoadHistogram.countAfter}).
 */
public final class RestoreMarker {
    private RestoreMarker() {}

    static void reached() {
        // loading this class is the mark
    }
}

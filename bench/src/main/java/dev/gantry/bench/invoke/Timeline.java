package dev.gantry.bench.invoke;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The measurements of one child JVM, printed as one line: {@code gantry-invoke key=value key=value ...}.
 *
 * <p>Durations are taken with {@link System#nanoTime()} from the moment {@code main} starts; the
 * offset of {@code main} from JVM start comes from the JVM's own start time (RuntimeMXBean), read
 * only at the end, so that loading {@code java.management} is not on the measured path. For the
 * same reason the class count is read last: it includes the few dozen {@code java.management}
 * classes loaded to read it (the driver measures that baseline with {@code Invoke --baseline}).
 */
public final class Timeline {
    /** Every result line starts with this. */
    public static final String PREFIX = "gantry-invoke";

    private final long mainEpochMillis;
    private final long mainNanos;
    private final long spawnedAtEpochMillis;
    private final Map<String, String> fields = new LinkedHashMap<>();

    /** {@code spawnedAtEpochMillis}: when the parent started this process (its wall clock), or -1. */
    public Timeline(long mainEpochMillis, long mainNanos, long spawnedAtEpochMillis) {
        this.mainEpochMillis = mainEpochMillis;
        this.mainNanos = mainNanos;
        this.spawnedAtEpochMillis = spawnedAtEpochMillis;
    }

    public void put(String key, Object value) {
        if (key.indexOf(' ') >= 0 || key.indexOf('=') >= 0) throw new IllegalArgumentException("bad key " + key);
        String v = String.valueOf(value).replace(' ', '_');
        fields.put(key, v);
    }

    /** Records {@code key} = milliseconds between two {@link System#nanoTime()} readings. */
    public void millis(String key, long fromNanos, long toNanos) {
        put(key, format((toNanos - fromNanos) / 1e6));
    }

    /**
     * Adds the JVM-start-relative figures for the moment {@code answeredNanos} and the class counts,
     * and returns the line.
     */
    public String finish(long answeredNanos) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        double jvmToMain = mainEpochMillis - jvmStart;
        double mainToAnswer = (answeredNanos - mainNanos) / 1e6;
        put("jvm_to_main_ms", format(jvmToMain));
        put("jvm_to_answer_ms", format(jvmToMain + mainToAnswer));
        if (spawnedAtEpochMillis > 0) {
            put("spawn_to_main_ms", format(mainEpochMillis - spawnedAtEpochMillis));
            put("spawn_to_answer_ms", format(mainEpochMillis - spawnedAtEpochMillis + mainToAnswer));
        }
        put("classes", ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        put("java", System.getProperty("java.runtime.version"));
        return line();
    }

    public String line() {
        StringBuilder b = new StringBuilder(PREFIX);
        fields.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    static String format(double ms) {
        return String.format(Locale.ROOT, "%.1f", ms);
    }

    /** Reads {@code --spawned-at=EPOCH_MILLIS} if it is the first argument; -1 otherwise. */
    static long spawnedAt(String[] args) {
        return args.length > 0 && args[0].startsWith("--spawned-at=") ? Long.parseLong(args[0].substring("--spawned-at=".length())) : -1;
    }

    /** The arguments after an optional {@code --spawned-at=...}. */
    static String[] rest(String[] args) {
        return args.length > 0 && args[0].startsWith("--spawned-at=") ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
    }
}

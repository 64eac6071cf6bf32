package dev.gantry.bench;

import java.util.List;

/**
 * How a child runs: JVM flags, given the way Lambda gives them (in {@code JAVA_TOOL_OPTIONS}), and
 * the invoker's mode. {@link #C1} is what the CDK stack sets (GantryStack.JAVA_TOOL_OPTIONS;
 * VariantTest keeps the two equal). The two snapshot variants stand in for SnapStart: the invoker
 * runs init, then ({@link #PRIMED}) the function's registered {@code beforeCheckpoint}/{@code afterRestore}
 * hooks, or ({@link #SNAPSHOT}) no hooks, and times the first request from there (see
 * {@code dev.gantry.bench.invoke.Invoke}). {@code invokerFlag} is null for a plain cold start.
 */
public record Variant(String name, String label, String javaToolOptions, String invokerFlag) {
    public static final Variant DEFAULT = new Variant("default", "default JVM flags", null, null);
    public static final Variant C1 = new Variant("c1", "C1 only (the CDK stack's JAVA_TOOL_OPTIONS)",
            "-XX:+TieredCompilation -XX:TieredStopAtLevel=1", null);
    public static final Variant SNAPSHOT = new Variant("c1-snap", "c1, SnapStart stand-in without priming: the first request after init",
            C1.javaToolOptions(), "--snapshot-no-hooks");
    public static final Variant PRIMED = new Variant("c1-primed", "c1, SnapStart stand-in with priming: the function's beforeCheckpoint"
            + " and afterRestore hooks run after init, then the first request", C1.javaToolOptions(), "--snapshot");
    public static final List<Variant> ALL = List.of(DEFAULT, C1, SNAPSHOT, PRIMED);

    public static Variant named(String name) {
        for (Variant v : ALL) if (v.name.equals(name)) return v;
        throw new IllegalArgumentException("unknown variant '" + name + "' (known: default, c1, c1-snap, c1-primed)");
    }

    /** True for the SnapStart stand-ins (the invoker restarts its clock after init and the hooks). */
    public boolean snapshot() {
        return invokerFlag != null;
    }
}

package dev.gantry.bench;

import java.util.List;

/**
 * A set of JVM flags for the child, given the way Lambda gives them: in {@code JAVA_TOOL_OPTIONS}.
 * {@link #C1} is what the CDK stack sets (GantryStack.JAVA_TOOL_OPTIONS; VariantTest keeps the two equal).
 */
public record Variant(String name, String label, String javaToolOptions) {
    public static final Variant DEFAULT = new Variant("default", "default JVM flags", null);
    public static final Variant C1 = new Variant("c1", "C1 only (the CDK stack's JAVA_TOOL_OPTIONS)",
            "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    public static final List<Variant> ALL = List.of(DEFAULT, C1);

    public static Variant named(String name) {
        for (Variant v : ALL) if (v.name.equals(name)) return v;
        throw new IllegalArgumentException("unknown variant '" + name + "' (known: default, c1)");
    }
}

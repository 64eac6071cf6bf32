package dev.gantry.tests.fuzz;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * How much fuzzing and with which randomness, from system properties (Maven passes {@code -D} on):
 * <ul>
 * <li>{@code fuzz.seed} (default {@value #DEFAULT_SEED}): every random choice of the suite, so a run
 * is repeatable and a failure reported with its seed can be run again;</li>
 * <li>{@code fuzz.tries} (default {@value #DEFAULT_TRIES}): cases per jqwik property;</li>
 * <li>{@code fuzz.sweep} ({@code sampled} by default, or {@code full}): a few values of each list per
 * operation in the boundary sweep, or all of them (some 14,000 requests);</li>
 * <li>{@code fuzz.threads} (default 2): how many of one operation's sweep cases are in flight at
 * once. The cases are the same whatever the number; with more than one, their order on the
 * server is not, which is how the sweep also meets concurrent changes of one resource.</li>
 * </ul>
 */
public final class FuzzSettings {
    public static final long DEFAULT_SEED = 20260126L;
    public static final int DEFAULT_TRIES = 200;

    private FuzzSettings() {}

    public static long seed() {
        return Long.parseLong(System.getProperty("fuzz.seed", String.valueOf(DEFAULT_SEED)).trim());
    }

    public static int tries() {
        return Integer.parseInt(System.getProperty("fuzz.tries", String.valueOf(DEFAULT_TRIES)).trim());
    }

    public static int threads() {
        return Math.max(1, Integer.parseInt(System.getProperty("fuzz.threads", "2").trim()));
    }

    public static boolean fullSweep() {
        return "full".equalsIgnoreCase(System.getProperty("fuzz.sweep", "sampled").trim());
    }

    /**
     * Gives every property of a container the run's seed (offset by the property's name, so the
     * properties do not draw the same sequence) and the run's tries. Set here rather than in
     * {@code @Property}, whose attributes must be constants.
     */
    public static final class Hook implements AroundPropertyHook {
        /** Registered on the class, applied to each of its properties. */
        @Override
        public net.jqwik.api.lifecycle.PropagationMode propagateTo() {
            return net.jqwik.api.lifecycle.PropagationMode.ALL_DESCENDANTS;
        }

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String name = context.targetMethod().getName();
            context.attributes().setSeed(String.valueOf(seed() + name.hashCode()));
            int factor = context.targetMethod().isAnnotationPresent(Weight.class) ? context.targetMethod().getAnnotation(Weight.class).value() : 100;
            int tries = Math.max(1, tries() * factor / 100);
            context.attributes().setTries(tries);
            long start = System.nanoTime();
            PropertyExecutionResult result = property.execute();
            System.out.printf("%s: %d tries (seed %s), %.1f s, %s%n", name, result.countTries(), result.seed().orElse("?"),
                    (System.nanoTime() - start) / 1e9, result.status());
            return result;
        }
    }

    /** A property's share of {@code fuzz.tries}, in percent (a property whose cases send two requests takes fewer). */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
    public @interface Weight {
        int value();
    }
}

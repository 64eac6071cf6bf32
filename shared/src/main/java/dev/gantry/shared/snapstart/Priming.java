package dev.gantry.shared.snapstart;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/**
 * A SnapStart runtime hook that primes a function before Lambda takes its snapshot
 * (docs/functions.md, "Cold starts"). Lambda runs {@link #beforeCheckpoint} once, when it publishes
 * a version, after the handler's constructor; whatever the priming loads, initializes and compiles
 * is then in the snapshot every restored instance starts from, instead of on its first request.
 *
 * <p>Each run builds a new {@link OfflineStack}, warms every SDK call on it ({@link OfflineStack#warmSdk()}),
 * then hands it to the function's own steps, which run requests through a second copy of the
 * function built on that stack: real SDK clients over {@link OfflineAws}, which
 * answers from memory and never opens a connection. It therefore never reads or writes the real
 * table, queues or secrets, and what it leaves behind dies with it. Its failure is logged and
 * swallowed: an unprimed snapshot is slower, never wrong.
 *
 * <p>The handler registers one from its no-arg constructor (the Lambda entry point) and keeps the
 * reference: the CRaC context holds resources weakly. Outside Lambda (and with no CRaC
 * implementation present) registering does nothing.
 */
public final class Priming implements Resource {
    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);

    private final String name;
    private final Consumer<OfflineStack> steps;
    private volatile boolean primed;
    private volatile List<String> outcomes = List.of();

    private Priming(String name, Consumer<OfflineStack> steps) {
        this.name = name;
        this.steps = steps;
    }

    /** A priming hook named {@code name} running {@code steps}, registered with the global CRaC context. Keep the reference. */
    public static Priming register(String name, Consumer<OfflineStack> steps) {
        Priming p = new Priming(name, steps);
        Core.getGlobalContext().register(p);
        return p;
    }

    /** An unregistered one (tests run {@link #prime()} themselves). */
    public static Priming of(String name, Consumer<OfflineStack> steps) {
        return new Priming(name, steps);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to redo: the priming kept no connection, secret or unique value.
    }

    /** Runs the priming once more; never throws. Answers whether it finished without an error. */
    public boolean prime() {
        long started = System.nanoTime();
        OfflineStack stack = null;
        try {
            stack = new OfflineStack();
            stack.warmSdk();
            steps.accept(stack);
            outcomes = stack.outcomes();
            primed = true;
            LOG.info("SnapStart priming of {} done in {} ms: {}", name, (System.nanoTime() - started) / 1_000_000, outcomes);
            return true;
        } catch (RuntimeException | LinkageError e) {
            if (stack != null) outcomes = stack.outcomes();
            LOG.warn("SnapStart priming of {} failed after {} ms; the snapshot is taken unprimed: {}", name,
                    (System.nanoTime() - started) / 1_000_000, e.toString());
            return false;
        }
    }

    /** True once a priming run finished without an error. */
    public boolean primed() {
        return primed;
    }

    public String name() {
        return name;
    }

    /** What the last run's requests answered ({@link OfflineStack#outcomes()}). */
    public List<String> outcomes() {
        return outcomes;
    }
}

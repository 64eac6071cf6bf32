package dev.gantry.bench.invoke.crac;

/** Mirrors {@code jdk.crac.Context}: resources register with it and it notifies them. */
public abstract class Context<R extends Resource> implements Resource {
    protected Context() {}

    public abstract void register(R resource);
}

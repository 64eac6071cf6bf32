package dev.gantry.bench.invoke.crac;

/**
 * The bench's CRaC implementation, found by {@code org.crac} through the system property
 * {@code org.crac.Core.Compat=dev.gantry.bench.invoke.crac}: the way the Lambda Java runtime plugs
 * in its own ({@code -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac}). A function that
 * registers an {@code org.crac.Resource} reaches {@link Core#getGlobalContext()} here, through
 * org.crac's proxy; the invoker then runs the hooks as a snapshot would (see {@link Core#checkpointRestore}).
 * Mirrors {@code jdk.crac.Resource}.
 */
public interface Resource {
    void beforeCheckpoint(Context<? extends Resource> context) throws Exception;

    void afterRestore(Context<? extends Resource> context) throws Exception;
}

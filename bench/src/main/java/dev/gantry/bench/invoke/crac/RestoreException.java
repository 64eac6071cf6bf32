package dev.gantry.bench.invoke.crac;

/** Mirrors {@code jdk.crac.RestoreException}: one or more afterRestore hooks failed (they are suppressed here). */
public class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public RestoreException() {
        super("an afterRestore hook failed");
    }
}

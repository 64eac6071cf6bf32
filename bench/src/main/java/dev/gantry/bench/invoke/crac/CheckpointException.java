package dev.gantry.bench.invoke.crac;

/** Mirrors {@code jdk.crac.CheckpointException}: one or more beforeCheckpoint hooks failed (they are suppressed here). */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointException() {
        super("a beforeCheckpoint hook failed");
    }
}

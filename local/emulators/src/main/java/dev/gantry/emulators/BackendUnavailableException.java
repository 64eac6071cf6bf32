package dev.gantry.emulators;

/** The selected backend cannot run on this machine; the message says what is missing. */
public final class BackendUnavailableException extends IllegalStateException {
    private final Backends.Kind kind;

    public BackendUnavailableException(Backends.Kind kind, String reason) {
        super(kind.id() + " backend unavailable: " + reason);
        this.kind = kind;
    }

    public Backends.Kind kind() { return kind; }
}

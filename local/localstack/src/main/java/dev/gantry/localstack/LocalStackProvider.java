package dev.gantry.localstack;

import dev.gantry.emulators.AwsBackend;
import dev.gantry.emulators.Backends;

/** The {@code localstack} backend for {@link Backends#start}: available when Docker answers. */
public final class LocalStackProvider implements AwsBackend.Provider {
    @Override
    public Backends.Kind kind() { return Backends.Kind.LOCALSTACK; }

    @Override
    public String unavailableReason() { return DockerCheck.missing(); }

    @Override
    public AwsBackend start() { return LocalStackBackend.shared(); }
}

package dev.gantry.emulators;

import java.net.URI;
import java.util.Map;

/**
 * Where the AWS services of a local run or an *IT live: the embedded {@link Emulators} (the
 * default) or another backend a {@link Provider} on the classpath starts (LocalStack, in the
 * {@code localstack} Maven profile). {@link Backends#start} picks one from {@link Backends#PROPERTY}.
 * Every backend speaks the real wire protocols; the application reaches it with the real AWS SDK
 * clients and static credentials, through these endpoints.
 */
public interface AwsBackend extends AutoCloseable {
    Backends.Kind kind();

    URI dynamoEndpoint();

    URI sqsEndpoint();

    /**
     * The backend's own Secrets Manager, or null when it has none (the embedded emulators: the
     * local server brings a loopback fake, the *ITs an in-memory store).
     */
    default URI secretsEndpoint() {
        return null;
    }

    /** Creates each secret (name to value) in {@code region} of {@link #secretsEndpoint()}, or sets its value when it exists. */
    default void putSecrets(String region, Map<String, String> secrets) {
        throw new UnsupportedOperationException("the " + kind().id() + " backend has no Secrets Manager");
    }

    @Override
    void close();

    /**
     * Starts a backend other than the embedded one; found with {@link java.util.ServiceLoader}
     * ({@code META-INF/services/dev.gantry.emulators.AwsBackend$Provider}).
     */
    interface Provider {
        Backends.Kind kind();

        /** Null when the backend can start here; otherwise what is missing, in a sentence (e.g. no Docker engine). */
        String unavailableReason();

        /** The backend, started; a provider may hand out one shared instance per JVM (whose close then does nothing). */
        AwsBackend start();
    }
}

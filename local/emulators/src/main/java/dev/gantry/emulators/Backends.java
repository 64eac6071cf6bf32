package dev.gantry.emulators;

import java.nio.file.Path;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses the AWS backend from the system property {@value #PROPERTY}: {@code embedded} (the
 * default: DynamoDB Local and ElasticMQ in this JVM) or {@code localstack} (one LocalStack
 * container through Testcontainers, which only the {@code localstack} Maven profile puts on the
 * test classpath). Without the property nothing else is looked up or loaded.
 */
public final class Backends {
    public static final String PROPERTY = "gantry.backend";

    private Backends() {}

    public enum Kind {
        EMBEDDED("embedded"),
        LOCALSTACK("localstack");

        private final String id;

        Kind(String id) { this.id = id; }

        public String id() { return id; }

        /** {@code null} or blank means {@link #EMBEDDED}; anything unknown is an error that names the choices. */
        public static Kind parse(String value) {
            if (value == null || value.isBlank()) return EMBEDDED;
            String v = value.trim().toLowerCase(Locale.ROOT);
            for (Kind k : values()) if (k.id.equals(v)) return k;
            throw new IllegalArgumentException(PROPERTY + "=" + value.trim() + " is not a backend; use one of: embedded, localstack");
        }
    }

    /** The backend this JVM was asked for. */
    public static Kind selected() {
        return Kind.parse(System.getProperty(PROPERTY));
    }

    /**
     * Starts the selected backend. For the embedded one, {@code dataDir} null keeps DynamoDB in
     * memory and ports 0 pick free ports; another backend ignores the three (it has its own).
     *
     * @throws BackendUnavailableException when the selected backend cannot run here (e.g. no Docker engine)
     */
    public static AwsBackend start(Path dataDir, int dynamoPort, int sqsPort) {
        Kind kind = selected();
        if (kind == Kind.EMBEDDED) return Emulators.start(dataDir, dynamoPort, sqsPort);
        return startProvided(kind, ServiceLoader.load(AwsBackend.Provider.class, Backends.class.getClassLoader()));
    }

    /** A backend other than the embedded one, from the provider of {@code kind}, if it can run here. */
    static AwsBackend startProvided(Kind kind, Iterable<AwsBackend.Provider> providers) {
        AwsBackend.Provider provider = provider(kind, providers);
        String missing = provider.unavailableReason();
        if (missing != null) throw new BackendUnavailableException(kind, missing);
        return provider.start();
    }

    /** The provider of {@code kind} among {@code providers}; its absence is explained, with how to add it. */
    static AwsBackend.Provider provider(Kind kind, Iterable<AwsBackend.Provider> providers) {
        for (AwsBackend.Provider p : providers) if (p.kind() == kind) return p;
        throw new IllegalStateException(PROPERTY + "=" + kind.id() + ", but no " + kind.id()
                + " backend is on the classpath: it comes with the gantry-localstack test dependency, which the "
                + kind.id() + " Maven profile adds (./mvnw verify -P" + kind.id() + ")");
    }

}

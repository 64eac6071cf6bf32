package dev.gantry.emulators;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendsTest {
    private final String before = System.getProperty(Backends.PROPERTY);

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty(Backends.PROPERTY);
        else System.setProperty(Backends.PROPERTY, before);
    }

    @Test
    void withoutThePropertyTheBackendIsTheEmbeddedEmulators() {
        System.clearProperty(Backends.PROPERTY);
        assertThat(Backends.selected()).isEqualTo(Backends.Kind.EMBEDDED);
        assertThat(Backends.Kind.parse("  ")).isEqualTo(Backends.Kind.EMBEDDED);
    }

    @Test
    void thePropertySelectsTheBackendWhateverItsCaseAndSpaces() {
        System.setProperty(Backends.PROPERTY, " LocalStack ");
        assertThat(Backends.selected()).isEqualTo(Backends.Kind.LOCALSTACK);
        System.setProperty(Backends.PROPERTY, "embedded");
        assertThat(Backends.selected()).isEqualTo(Backends.Kind.EMBEDDED);
    }

    @Test
    void anUnknownBackendIsAnErrorThatNamesTheChoices() {
        System.setProperty(Backends.PROPERTY, "docker-compose");
        assertThatThrownBy(Backends::selected).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gantry.backend=docker-compose is not a backend; use one of: embedded, localstack");
    }

    @Test
    void localstackWithoutItsModuleOnTheClasspathSaysWhichProfileBringsIt() {
        // This module's test classpath has no gantry-localstack: the real ServiceLoader finds no provider.
        System.setProperty(Backends.PROPERTY, "localstack");
        assertThatThrownBy(() -> Backends.start(null, 0, 0)).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no localstack backend is on the classpath")
                .hasMessageContaining("-Plocalstack");
    }

    @Test
    void aProviderThatCannotRunHereIsNotStartedAndItsReasonIsTheMessage() {
        FakeProvider unavailable = new FakeProvider("no Docker engine found (no socket at /var/run/docker.sock)");
        assertThatThrownBy(() -> Backends.startProvided(Backends.Kind.LOCALSTACK, List.of(unavailable)))
                .isInstanceOfSatisfying(BackendUnavailableException.class, e -> assertThat(e.kind()).isEqualTo(Backends.Kind.LOCALSTACK))
                .hasMessage("localstack backend unavailable: no Docker engine found (no socket at /var/run/docker.sock)");
        assertThat(unavailable.starts).hasValue(0);
    }

    @Test
    void anAvailableProviderOfTheKindIsTheOneStarted() {
        FakeProvider available = new FakeProvider(null);
        AwsBackend backend = Backends.startProvided(Backends.Kind.LOCALSTACK, List.of(available));
        assertThat(available.starts).hasValue(1);
        assertThat(backend.dynamoEndpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(backend.secretsEndpoint()).isNull(); // the interface's default: no Secrets Manager
        assertThatThrownBy(() -> backend.putSecrets("us-east-1", java.util.Map.of("a", "b")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("localstack");
    }

    /** A provider of LocalStack that is not LocalStack: it counts its starts. */
    private static final class FakeProvider implements AwsBackend.Provider {
        final String reason;
        final AtomicInteger starts = new AtomicInteger();

        FakeProvider(String reason) { this.reason = reason; }

        @Override public Backends.Kind kind() { return Backends.Kind.LOCALSTACK; }

        @Override public String unavailableReason() { return reason; }

        @Override
        public AwsBackend start() {
            starts.incrementAndGet();
            URI endpoint = URI.create("http://127.0.0.1:4566");
            return new AwsBackend() {
                @Override public Backends.Kind kind() { return Backends.Kind.LOCALSTACK; }
                @Override public URI dynamoEndpoint() { return endpoint; }
                @Override public URI sqsEndpoint() { return endpoint; }
                @Override public void close() {}
            };
        }
    }
}

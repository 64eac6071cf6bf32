package dev.gantry.localstack;

import org.testcontainers.DockerClientFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this machine has a Docker engine Testcontainers can use, asked once per JVM. The answer,
 * when there is none, says what is missing in words a developer can act on.
 */
final class DockerCheck {
    static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    private static Optional<String> missing;

    private DockerCheck() {}

    /** Null when Docker answers; otherwise why not. The first call probes (Testcontainers caches its own answer too). */
    static synchronized String missing() {
        if (missing == null) missing = Optional.ofNullable(probe());
        return missing.orElse(null);
    }

    private static String probe() {
        String error = null;
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            available = false;
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return available ? null : describe(System.getenv("DOCKER_HOST"), Files.exists(DEFAULT_SOCKET), error);
    }

    /** What is missing, from what the machine shows: {@code DOCKER_HOST}, the default socket, and the probe's error if it threw. */
    static String describe(String dockerHost, boolean defaultSocketExists, String probeError) {
        StringBuilder b = new StringBuilder("no Docker engine found (Testcontainers' DockerClientFactory found no working Docker environment: ");
        if (dockerHost != null && !dockerHost.isBlank()) {
            b.append("nothing answers at DOCKER_HOST=").append(dockerHost.trim());
        } else if (defaultSocketExists) {
            b.append(DEFAULT_SOCKET).append(" exists but no engine answers on it");
        } else {
            b.append("DOCKER_HOST is unset and there is no ").append(DEFAULT_SOCKET);
        }
        if (probeError != null) b.append("; ").append(probeError);
        return b.append(')').toString();
    }
}

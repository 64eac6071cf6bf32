package dev.gantry.localstack;

import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

import static org.assertj.core.api.Assertions.assertThat;

class DockerCheckTest {
    @Test
    void withNothingConfiguredTheMessageSaysThatThereIsNoSocketAndNoDockerHost() {
        assertThat(DockerCheck.describe(null, false, null)).isEqualTo("no Docker engine found (Testcontainers' DockerClientFactory found no"
                + " working Docker environment: DOCKER_HOST is unset and there is no /var/run/docker.sock)");
    }

    @Test
    void aDockerHostThatDoesNotAnswerIsNamed() {
        assertThat(DockerCheck.describe(" tcp://10.0.0.5:2375 ", true, null))
                .contains("nothing answers at DOCKER_HOST=tcp://10.0.0.5:2375)").doesNotContain("docker.sock");
    }

    @Test
    void aSocketWithoutAnEngineAndAProbeThatThrewAreBothSaid() {
        assertThat(DockerCheck.describe("", true, "IllegalStateException: Could not find a valid Docker environment"))
                .contains("/var/run/docker.sock exists but no engine answers on it")
                .endsWith("; IllegalStateException: Could not find a valid Docker environment)");
    }

    @Test
    void theRealProbeRunsOnThisClasspathAndAgreesWithTestcontainers() {
        // Runs the real DockerClientFactory with this build's dependency versions (docker-java, Jackson, SLF4J):
        // a version clash would throw here rather than in the first IT. The answer depends on the machine.
        String missing = DockerCheck.missing();
        assertThat(missing == null).isEqualTo(DockerClientFactory.instance().isDockerAvailable());
        if (missing != null) assertThat(missing).startsWith("no Docker engine found (");
        assertThat(DockerCheck.missing()).as("asked once per JVM").isSameAs(missing);
    }
}

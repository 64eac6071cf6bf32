package dev.gantry.localstack;

import dev.gantry.emulators.BackendUnavailableException;
import dev.gantry.emulators.Backends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.testcontainers.DockerClientFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

class LocalStackConditionTest {
    private static final String NO_DOCKER = "no Docker engine found (test: DOCKER_HOST is unset and there is no /var/run/docker.sock)";

    private final String backendBefore = System.getProperty(Backends.PROPERTY);
    private final Supplier<String> missingBefore = LocalStackCondition.missing;

    @AfterEach
    void restore() {
        if (backendBefore == null) System.clearProperty(Backends.PROPERTY);
        else System.setProperty(Backends.PROPERTY, backendBefore);
        LocalStackCondition.missing = missingBefore;
    }

    @Test
    void theEmbeddedBackendRunsEverythingWithoutAskingForDocker() {
        AtomicInteger asked = new AtomicInteger();
        ConditionEvaluationResult r = LocalStackCondition.evaluate(Backends.Kind.EMBEDDED, () -> {
            asked.incrementAndGet();
            return NO_DOCKER;
        });
        assertThat(r.isDisabled()).isFalse();
        assertThat(asked).hasValue(0);
    }

    @Test
    void localstackWithDockerRuns() {
        assertThat(LocalStackCondition.evaluate(Backends.Kind.LOCALSTACK, () -> null).isDisabled()).isFalse();
    }

    @Test
    void localstackWithoutDockerSkipsAndSaysWhatIsMissing() {
        ConditionEvaluationResult r = LocalStackCondition.evaluate(Backends.Kind.LOCALSTACK, () -> NO_DOCKER);
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).hasValue("localstack profile: " + NO_DOCKER
                + ": skipped (needs LocalStack; run -Plocalstack on a machine with a Docker engine)");
    }

    /** Two IT classes, four test methods (one parameterized, twice), run through a real JUnit launcher with the condition auto-detected. */
    static class SampleOneIT {
        @Test void a() {}
        @Test void b() {}
    }

    static class SampleTwoIT {
        @Test void c() {}

        @org.junit.jupiter.params.ParameterizedTest
        @org.junit.jupiter.params.provider.ValueSource(strings = {"x", "y"})
        void d(String value) {
            assertThat(value).isIn("x", "y");
        }
    }

    private record Run(TestExecutionSummary summary, String report) {}

    private static Run run() {
        LauncherDiscoveryRequest request = request().selectors(selectClass(SampleOneIT.class), selectClass(SampleTwoIT.class))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true").build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, new SkipReport(new PrintStream(out, true, StandardCharsets.UTF_8)));
        return new Run(summary.getSummary(), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutDockerEveryItClassIsSkippedAndTheRunEndsWithOneLineThatCountsThem() {
        System.setProperty(Backends.PROPERTY, "localstack");
        LocalStackCondition.missing = () -> NO_DOCKER;
        Run run = run();
        assertThat(run.summary().getContainersSkippedCount()).as("the two classes and the parameterized test's container").isEqualTo(3);
        assertThat(run.summary().getTestsStartedCount()).isZero();
        assertThat(run.summary().getTotalFailureCount()).isZero();
        assertThat(run.report()).isEqualTo("[gantry] localstack profile: " + NO_DOCKER
                + ": skipped (needs LocalStack; run -Plocalstack on a machine with a Docker engine)"
                // as failsafe counts them: the parameterized test once
                + " -- 4 tests in 2 IT classes NOT run against LocalStack" + System.lineSeparator());
    }

    @Test
    void onTheEmbeddedBackendTheSameClassesRunAndNothingIsReported() {
        System.setProperty(Backends.PROPERTY, "embedded");
        LocalStackCondition.missing = () -> NO_DOCKER;
        Run run = run();
        assertThat(run.summary().getContainersSkippedCount()).isZero();
        assertThat(run.summary().getTestsSucceededCount()).isEqualTo(5);
        assertThat(run.report()).isEmpty();
    }

    @Test
    void theRealProviderIsFoundAndRefusesToStartWithoutDocker() {
        assumeFalse(DockerClientFactory.instance().isDockerAvailable(), "Docker answers here: starting LocalStack is the ITs' job");
        System.setProperty(Backends.PROPERTY, "localstack");
        assertThatThrownBy(() -> Backends.start(null, 0, 0)).isInstanceOf(BackendUnavailableException.class)
                .hasMessageStartingWith("localstack backend unavailable: no Docker engine found (");
    }

    @Test
    void theImageIsPinnedUnlessOverriddenAndAnAuthTokenIsPassedOn() {
        assertThat(LocalStackBackend.image(null)).isEqualTo(LocalStackBackend.DEFAULT_IMAGE).matches("localstack/localstack:\\d+\\.\\d+\\.\\d+");
        assertThat(LocalStackBackend.image(" localstack/localstack:4.9.2 ")).isEqualTo("localstack/localstack:4.9.2");
        assertThat(LocalStackBackend.environment(" token-for-the-test\n")).isEqualTo(java.util.Map.of("LOCALSTACK_AUTH_TOKEN", "token-for-the-test"));
        assertThat(LocalStackBackend.environment(" ")).isEmpty();
        assertThat(LocalStackBackend.environment(null)).isEmpty();
        assertThat(LocalStackBackend.SERVICES).contains("dynamodb", "dynamodbstreams", "sqs", "secretsmanager");
    }
}

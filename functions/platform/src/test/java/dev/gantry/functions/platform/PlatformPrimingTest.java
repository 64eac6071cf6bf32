package dev.gantry.functions.platform;

import dev.gantry.shared.snapstart.Priming;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SnapStart priming runs the platform function's common first requests, offline: writes and reads answer 2xx. */
class PlatformPrimingTest {
    @Test
    void primingServesItsRequestsOffline() {
        Priming p = Priming.of("platform", PlatformPriming::prime);
        assertThat(p.prime()).as("priming finished; outcomes %s", p.outcomes()).isTrue();
        assertThat(p.outcomes()).as("%s", p.outcomes()).containsSubsequence("POST /v1/repos 201", "GET /v1/repos 200");
        assertThat(p.outcomes()).as("%s", p.outcomes()).contains("GET /v1/secrets 200", "GET /v1/compute-targets 200", "GET /v1/instances 200",
                "GET /v1/deploys 200", "GET /v1/jobs 200", "POST /v1/secrets 201", "POST /v1/compute-targets 201");
        assertThat(p.outcomes()).as("%s", p.outcomes()).anyMatch(o -> o.matches("POST /v1/repos/\\S+/environments 201"))
                .anyMatch(o -> o.matches("PATCH /v1/environments/\\S+/env-vars 200"))
                .anyMatch(o -> o.matches("GET /v1/environments/\\S+/resolved-env 200"));
        assertThat(p.outcomes()).as("no request failed on our side: %s", p.outcomes()).noneMatch(o -> o.matches(".* 5\\d\\d"));
    }
}

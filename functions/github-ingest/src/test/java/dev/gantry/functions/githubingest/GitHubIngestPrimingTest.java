package dev.gantry.functions.githubingest;

import dev.gantry.shared.snapstart.Priming;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SnapStart priming verifies, records and enqueues signed deliveries offline, and refuses a bad signature. */
class GitHubIngestPrimingTest {
    @Test
    void primingServesItsRequestsOffline() {
        Priming p = Priming.of("github-ingest", GitHubIngestPriming::prime);
        assertThat(p.prime()).as("priming finished; outcomes %s", p.outcomes()).isTrue();
        assertThat(p.outcomes()).as("%s", p.outcomes()).hasSize(5);
        assertThat(p.outcomes().subList(1, 4)).as("%s", p.outcomes()).allMatch(o -> o.matches("POST /webhooks/github 20\\d"));
        assertThat(p.outcomes().get(4)).isEqualTo("POST /webhooks/github 401");
    }
}

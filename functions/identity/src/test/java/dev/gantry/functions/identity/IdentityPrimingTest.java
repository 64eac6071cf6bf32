package dev.gantry.functions.identity;

import dev.gantry.shared.snapstart.Priming;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SnapStart priming runs the identity function's common first requests to success, offline. */
class IdentityPrimingTest {
    @Test
    void primingServesItsRequestsOffline() {
        Priming p = Priming.of("identity", IdentityPriming::prime);
        assertThat(p.prime()).as("priming finished; outcomes %s", p.outcomes()).isTrue();
        assertThat(p.outcomes()).containsSubsequence("GET /health 200", "GET /v1/plans 200", "POST /v1/auth/signup 201",
                "POST /v1/auth/login 200", "GET /v1/me 200", "GET /v1/workspace 200", "GET /v1/members 200", "GET /v1/audit-log 200");
        assertThat(p.outcomes().get(0)).startsWith("SDK ");
    }
}

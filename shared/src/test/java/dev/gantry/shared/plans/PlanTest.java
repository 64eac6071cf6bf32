package dev.gantry.shared.plans;

import org.junit.jupiter.api.Test;

import static dev.gantry.shared.plans.Plan.Resource.COMPUTE_TARGETS;
import static dev.gantry.shared.plans.Plan.Resource.ENVIRONMENTS;
import static dev.gantry.shared.plans.Plan.Resource.MEMBERS;
import static dev.gantry.shared.plans.Plan.Resource.WEBHOOK_ENDPOINTS;
import static org.assertj.core.api.Assertions.assertThat;

/** The table of API.md §2, row by row. */
class PlanTest {
    @Test
    void plansMatchTheContract() {
        assertRow(Plan.FREE, 30, 50, 2, 1, 1, 1);
        assertRow(Plan.HOBBY, 100, 200, 5, 3, 3, 5);
        assertRow(Plan.PRO, 500, 1000, 50, 20, 20, 20);
        assertRow(Plan.TEAM, 2000, 5000, 500, 100, 200, 100);
        assertThat(Plan.names()).containsExactly("free", "hobby", "pro", "team");
        assertThat(Plan.find("enterprise")).isEmpty();
    }

    private static void assertRow(Plan p, int rpm, int burst, int envs, int cts, int members, int hooks) {
        assertThat(p.requestsPerMinute()).isEqualTo(rpm);
        assertThat(p.burst()).isEqualTo(burst);
        assertThat(p.limit(ENVIRONMENTS)).isEqualTo(envs);
        assertThat(p.limit(COMPUTE_TARGETS)).isEqualTo(cts);
        assertThat(p.limit(MEMBERS)).isEqualTo(members);
        assertThat(p.limit(WEBHOOK_ENDPOINTS)).isEqualTo(hooks);
    }
}

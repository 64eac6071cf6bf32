package dev.gantry.functions.webhooks;

import dev.gantry.shared.snapstart.Priming;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SnapStart priming lists and reads webhook endpoints and deliveries offline. */
class WebhookPrimingTest {
    @Test
    void primingServesItsRequestsOffline() {
        Priming p = Priming.of("webhooks", WebhookPriming::prime);
        assertThat(p.prime()).as("priming finished; outcomes %s", p.outcomes()).isTrue();
        assertThat(p.outcomes()).as("%s", p.outcomes()).containsSubsequence("GET /v1/webhook-endpoints 200",
                "GET /v1/webhook-endpoints/whe_priming 404", "GET /v1/webhook-endpoints/whe_priming/deliveries 404",
                "GET /v1/webhook-endpoints/whe_priming/deliveries/whd_priming 404");
    }
}

package dev.gantry.shared.limits;

import dev.gantry.shared.errors.ApiException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The headers of API.md §1 and the IETF httpapi-ratelimit-headers draft, and what a rejection looks like. */
class RateLimitDecisionTest {
    @Test
    void anAdmissionCarriesTheFiveHeaders() {
        var d = new RateLimitDecision(RateLimitDecision.Outcome.ADMITTED, "plan", 50, 49, 0, 1, 0);
        assertThat(d.headers()).containsExactly(
                java.util.Map.entry("RateLimit-Limit", "50"),
                java.util.Map.entry("RateLimit-Remaining", "49"),
                java.util.Map.entry("RateLimit-Reset", "0"),
                java.util.Map.entry("RateLimit-Policy", "\"plan\";q=50;w=60"),
                java.util.Map.entry("RateLimit", "\"plan\";r=49;t=0"));
        d.enforce(); // nothing thrown
    }

    @Test
    void aRejectionIs429RateLimitedWithRetryAfterInWholeSeconds() {
        var d = new RateLimitDecision(RateLimitDecision.Outcome.REJECTED, "plan", 50, 0, 2, 1, 0);
        ApiException e = catchThrowableOfType(ApiException.class, d::enforce);
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.code()).isEqualTo("rate_limited");
        assertThat(e.getMessage()).isEqualTo("Too many requests for this workspace; retry in 2 seconds.");
        assertThat(e.headers()).containsEntry("Retry-After", "2").containsEntry("RateLimit-Remaining", "0")
                .containsEntry("RateLimit-Reset", "2").containsEntry("RateLimit", "\"plan\";r=0;t=2");
    }

    @Test
    void anAddressRejectionSaysSo() {
        var d = new RateLimitDecision(RateLimitDecision.Outcome.REJECTED, "ip", 20, 0, 1, 1, 0);
        ApiException e = catchThrowableOfType(ApiException.class, d::enforce);
        assertThat(e.getMessage()).isEqualTo("Too many requests from this address; retry in 1 second.");
        assertThat(e.headers()).containsEntry("RateLimit-Policy", "\"ip\";q=20;w=60").containsEntry("Retry-After", "1");
    }

    @Test
    void failingOpenSendsNoHeadersAndFailingClosedIs503() {
        assertThat(RateLimitDecision.failedOpen().headers()).isEmpty();
        assertThat(RateLimitDecision.failedOpen().admitted()).isTrue();
        RateLimitDecision.failedOpen().enforce();
        assertThat(RateLimitDecision.NOT_LIMITED.headers()).isEmpty();
        assertThatThrownBy(() -> RateLimitDecision.failedClosed().enforce())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("unavailable");
                    assertThat(e.headers()).containsEntry("Retry-After", "1");
                });
    }
}

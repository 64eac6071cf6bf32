package dev.gantry.shared.webhooks;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RetryScheduleTest {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void eightAttemptsWithTheStandardWaitsAndTenPercentJitter() {
        long[] bases = {5, 300, 1800, 7200, 18000, 36000, 36000};
        for (int attempt = 1; attempt <= 7; attempt++) {
            Instant next = RetrySchedule.next("msg_x", attempt, T0, null);
            long seconds = Duration.between(T0, next).toMillis();
            assertThat(seconds).as("after attempt %d", attempt)
                    .isBetween((long) (bases[attempt - 1] * 900), (long) (bases[attempt - 1] * 1100));
        }
        assertThat(RetrySchedule.next("msg_x", 8, T0, null)).isNull();
        assertThat(RetrySchedule.MAX_ATTEMPTS).isEqualTo(8);
    }

    @Test
    void jitterIsStablePerMessageAndSpreadAcrossMessages() {
        assertThat(RetrySchedule.jittered("msg_a", 3)).isEqualTo(RetrySchedule.jittered("msg_a", 3));
        var distinct = new java.util.HashSet<Duration>();
        for (int i = 0; i < 50; i++) distinct.add(RetrySchedule.jittered("msg_" + i, 3));
        assertThat(distinct.size()).isGreaterThan(40);
    }

    @Test
    void retryAfterIsHonouredOnlyWhenLaterAndCapped() {
        Instant scheduled = RetrySchedule.next("msg_x", 1, T0, null);
        assertThat(RetrySchedule.next("msg_x", 1, T0, Duration.ofSeconds(1))).isEqualTo(scheduled);
        assertThat(RetrySchedule.next("msg_x", 1, T0, Duration.ofSeconds(120))).isEqualTo(T0.plusSeconds(120));
        assertThat(RetrySchedule.next("msg_x", 1, T0, Duration.ofDays(30))).isEqualTo(T0.plus(RetrySchedule.MAX_RETRY_AFTER));
    }

    @Test
    void retryAfterParsesSecondsAndHttpDates() {
        assertThat(WebhookDispatcher.retryAfter("120", T0)).isEqualTo(Duration.ofSeconds(120));
        assertThat(WebhookDispatcher.retryAfter("Mon, 23 Nov 2026 12:10:00 GMT", T0)).isEqualTo(Duration.ofMinutes(10));
        assertThat(WebhookDispatcher.retryAfter("soon", T0)).isNull();
        assertThat(WebhookDispatcher.retryAfter(null, T0)).isNull();
    }
}

package dev.gantry.shared.limits;

import dev.gantry.shared.plans.Plan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket's arithmetic (GCRA), with time as a plain number: no clock, no DynamoDB. */
class GcraTest {
    private static final long S = 1_000_000L;

    @Test
    void plansBecomeIntervalsAndTolerances() {
        assertThat(RateLimitPolicy.forPlan(Plan.FREE).intervalMicros()).isEqualTo(2 * S);          // 30/min
        assertThat(RateLimitPolicy.forPlan(Plan.FREE).toleranceMicros()).isEqualTo(49 * 2 * S);    // burst 50
        assertThat(RateLimitPolicy.forPlan(Plan.TEAM).intervalMicros()).isEqualTo(30_000);         // 2000/min
        assertThat(RateLimitPolicy.CLIENT_IP.intervalMicros()).isEqualTo(6 * S);                  // 10/min
        assertThat(RateLimitPolicy.CLIENT_IP.burst()).isEqualTo(20);
        // A rate that does not divide a minute rounds the interval up: never faster than nominal.
        assertThat(new RateLimitPolicy("x", 7, 1).intervalMicros()).isEqualTo(8_571_429);
    }

    @Test
    void aFullBucketAdmitsExactlyItsBurstAtOneInstantThenOnePerInterval() {
        RateLimitPolicy p = new RateLimitPolicy("plan", 60, 5); // T = 1 s
        long now = 1_000 * S;
        Gcra.State s = null;
        for (int i = 0; i < 5; i++) {
            s = Gcra.take(s, now, p);
            assertThat(s).as("token %d", i + 1).isNotNull();
            assertThat(Gcra.remaining(s.lim(), s.interval(), now, 5)).isEqualTo(4 - i);
        }
        assertThat(Gcra.take(s, now, p)).isNull();
        assertThat(Gcra.resetSeconds(s.lim(), now)).isEqualTo(1);
        assertThat(Gcra.take(s, now + S - 1, p)).as("one microsecond early").isNull();
        Gcra.State next = Gcra.take(s, now + S, p);
        assertThat(next).isNotNull();
        assertThat(Gcra.remaining(next.lim(), next.interval(), now + S, 5)).isZero();
        assertThat(Gcra.take(next, now + S, p)).isNull();
    }

    @Test
    void idlenessNeverBuysMoreThanTheBurst() {
        RateLimitPolicy p = new RateLimitPolicy("plan", 60, 3);
        Gcra.State s = Gcra.take(null, 5_000 * S, p);
        long later = 5_000 * S + 3_600 * S; // an hour idle
        int admitted = 0;
        for (Gcra.State next; (next = Gcra.take(s, later, p)) != null; s = next) admitted++;
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void remainingAndResetFollowTheState() {
        long t = 2 * S;
        // lim = tat − τ: the earliest time the next request is admitted.
        assertThat(Gcra.remaining(10 * S, t, 10 * S, 50)).isEqualTo(1);
        assertThat(Gcra.remaining(10 * S, t, 10 * S + 2 * t - 1, 50)).isEqualTo(2);
        assertThat(Gcra.remaining(10 * S + 1, t, 10 * S, 50)).isZero();
        assertThat(Gcra.remaining(0, t, 1_000 * S, 50)).as("capped at the burst").isEqualTo(50);
        assertThat(Gcra.resetSeconds(10 * S, 10 * S)).isZero();
        assertThat(Gcra.resetSeconds(10 * S + 1, 10 * S)).as("rounded up").isEqualTo(1);
        assertThat(Gcra.resetSeconds(12 * S, 10 * S)).isEqualTo(2);
        assertThat(Gcra.retryAfterSeconds(10 * S, 10 * S)).as("never 0").isEqualTo(1);
    }

    /**
     * The token bucket bound on random traffic: in every window [a, b] of arrival times, the
     * admitted requests number at most burst + (b − a) / T, and a client that waits long enough
     * always gets its burst back.
     */
    @Test
    void admissionsInAnyWindowNeverExceedBurstPlusRateTimesElapsed() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            RateLimitPolicy p = new RateLimitPolicy("plan", 1 + random.nextInt(600), 1 + random.nextInt(40));
            long t = p.intervalMicros();
            long now = random.nextLong(1_000_000) * S;
            Gcra.State s = null;
            List<Long> admitted = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                now += random.nextInt(4) == 0 ? random.nextLong(3 * t) : random.nextLong(t / 4 + 1);
                Gcra.State next = Gcra.take(s, now, p);
                if (next != null) {
                    admitted.add(now);
                    s = next;
                }
            }
            for (int a = 0; a < admitted.size(); a++) {
                for (int b = a; b < admitted.size(); b++) {
                    long count = b - a + 1;
                    long bound = p.burst() + (admitted.get(b) - admitted.get(a)) / t;
                    assertThat(count).as("round %d, %s, window %d..%d", round, p, a, b).isLessThanOrEqualTo(bound);
                }
            }
        }
    }
}

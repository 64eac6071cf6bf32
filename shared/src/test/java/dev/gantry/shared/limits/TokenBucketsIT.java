package dev.gantry.shared.limits;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DynamoDB token buckets against DynamoDB Local: exact under concurrency (many threads, each
 * its own container with its own branch predictor, one bucket), one write per decision when the
 * branch is predicted, two when it is not, and the same answers as the reference {@link Gcra}.
 */
class TokenBucketsIT {
    private static final int THREADS = 16;
    private static final MovableClock CLOCK = new MovableClock();
    private static final DynamoCallCounter CALLS = new DynamoCallCounter();
    private static Wiring wiring;

    @BeforeAll
    static void start() {
        wiring = TestStack.newWiring(CLOCK, CALLS);
    }

    @BeforeEach
    void resetClock() {
        CLOCK.now = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(new Random().nextInt(1_000_000));
        CALLS.reset();
    }

    /** A new container: its own predictor, the shared table. */
    private static TokenBuckets container(Clock clock) {
        return new TokenBuckets(wiring.table(), clock, ws -> RateLimitPolicy.forPlan(Plan.FREE));
    }

    private static TokenBuckets.Bucket newBucket(RateLimitPolicy policy) {
        return TokenBuckets.Bucket.of(Keys.key("RL#test#" + UUID.randomUUID(), "RL"), policy);
    }

    /** {@code attemptsEach} decisions from each of {@link #THREADS} threads at once; answers how many were admitted. */
    private static int hammer(TokenBuckets.Bucket bucket, Clock clock, int attemptsEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                TokenBuckets container = container(clock);
                results.add(pool.submit(() -> {
                    go.await();
                    int admitted = 0;
                    for (int i = 0; i < attemptsEach; i++) if (container.tryTake(bucket).admitted()) admitted++;
                    return admitted;
                }));
            }
            go.countDown();
            int admitted = 0;
            for (Future<Integer> f : results) admitted += f.get();
            return admitted;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manyClientsAtOneInstantGetExactlyTheBurstThenExactlyTheRefill() throws Exception {
        RateLimitPolicy policy = new RateLimitPolicy("test", 60, 25); // T = 1 s
        TokenBuckets.Bucket bucket = newBucket(policy);
        assertThat(hammer(bucket, CLOCK, 10)).as("160 attempts on a full bucket of 25").isEqualTo(25);
        CLOCK.now = CLOCK.now.plusSeconds(5);
        assertThat(hammer(bucket, CLOCK, 10)).as("five intervals later").isEqualTo(5);
        CLOCK.now = CLOCK.now.plus(Duration.ofMillis(999));
        assertThat(hammer(bucket, CLOCK, 5)).as("just before the next token").isZero();
        CLOCK.now = CLOCK.now.plus(Duration.ofHours(1));
        assertThat(hammer(bucket, CLOCK, 10)).as("an hour idle refills the burst, never more").isEqualTo(25);
    }

    /**
     * Sixteen containers hammer one bucket for about two seconds of real time. In any window, GCRA
     * admits at most burst + (b − a) / T, where a and b are the first and last admission times, and
     * under continuous demand every token released before the last decision is taken; both bounds
     * are computed from times read around the calls, so no assertion depends on how fast this machine is.
     */
    @Test
    void withARealClockTheAdmittedCountStaysWithinTheTokenBucketBoundAndReachesIt() throws Exception {
        RateLimitPolicy policy = new RateLimitPolicy("test", 600, 10); // T = 100 ms
        TokenBuckets.Bucket bucket = newBucket(policy);
        Clock real = Clock.systemUTC();
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE), firstEnd = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastStart = new AtomicLong(), lastEnd = new AtomicLong();
        AtomicInteger admitted = new AtomicInteger(), decisions = new AtomicInteger(), writes = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            TokenBuckets container = container(real);
            tasks.add(() -> {
                while (System.nanoTime() < deadline) {
                    long start = TokenBuckets.micros(real.instant());
                    RateLimitDecision d = container.tryTake(bucket);
                    long end = TokenBuckets.micros(real.instant());
                    decisions.incrementAndGet();
                    writes.addAndGet(d.writes());
                    firstStart.accumulateAndGet(start, Math::min);
                    lastStart.accumulateAndGet(start, Math::max);
                    lastEnd.accumulateAndGet(end, Math::max);
                    if (d.admitted()) {
                        admitted.incrementAndGet();
                        firstEnd.accumulateAndGet(end, Math::min);
                    }
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(tasks)) f.get();
        pool.shutdown();
        long t = policy.intervalMicros();
        long upper = policy.burst() + (lastEnd.get() - firstStart.get()) / t;
        long lower = policy.burst() + (lastStart.get() - firstEnd.get()) / t;
        assertThat(decisions.get()).isGreaterThan(admitted.get());
        assertThat((long) admitted.get()).as("admitted of %d decisions (%d writes)", decisions.get(), writes.get())
                .isLessThanOrEqualTo(upper).isGreaterThanOrEqualTo(lower);
        assertThat(writes.get()).as("at most two writes a decision").isLessThanOrEqualTo(2 * decisions.get());
    }

    @Test
    void aPredictedDecisionIsOneWriteAdmittedIdleOrRejected() {
        RateLimitPolicy policy = new RateLimitPolicy("test", 60, 3);
        TokenBuckets.Bucket bucket = newBucket(policy);
        TokenBuckets container = container(CLOCK);
        List<RateLimitDecision> decisions = new ArrayList<>();
        for (int i = 0; i < 4; i++) decisions.add(container.tryTake(bucket)); // new bucket, busy, busy, rejected
        CLOCK.now = CLOCK.now.plus(Duration.ofMinutes(10));
        decisions.add(container.tryTake(bucket));                               // idle again
        assertThat(decisions).extracting(RateLimitDecision::outcome).containsExactly(
                RateLimitDecision.Outcome.ADMITTED, RateLimitDecision.Outcome.ADMITTED, RateLimitDecision.Outcome.ADMITTED,
                RateLimitDecision.Outcome.REJECTED, RateLimitDecision.Outcome.ADMITTED);
        assertThat(decisions).extracting(RateLimitDecision::remaining).containsExactly(2L, 1L, 0L, 0L, 2L);
        assertThat(decisions).extracting(RateLimitDecision::writes).containsOnly(1);
        assertThat(CALLS.operations()).containsExactly("UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem");
    }

    @Test
    void aMispredictionCostsExactlyOneMoreWriteAndNoRead() {
        RateLimitPolicy policy = new RateLimitPolicy("test", 60, 5);
        TokenBuckets.Bucket bucket = newBucket(policy);
        TokenBuckets a = container(CLOCK), b = container(CLOCK);
        a.tryTake(bucket);                                  // a last saw tat = t0 + 1 s
        CLOCK.now = CLOCK.now.plusSeconds(10);
        assertThat(b.tryTake(bucket).writes()).isEqualTo(1); // b: idle, tat = t0 + 11 s
        CALLS.reset();
        RateLimitDecision d = a.tryTake(bucket);            // a predicts idle from its stale tat: wrong
        assertThat(d.admitted()).isTrue();
        assertThat(d.remaining()).isEqualTo(3);
        assertThat(d.writes()).isEqualTo(2);
        assertThat(CALLS.operations()).containsExactly("UpdateItem", "UpdateItem");
        CALLS.reset();
        assertThat(a.tryTake(bucket).writes()).as("and now it knows").isEqualTo(1);
    }

    @Test
    void aWorkspaceBucketFollowsItsPlanFromTheNextRequest() {
        String ws = "ws_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
        WorkspaceRepository workspaces = new WorkspaceRepository(wiring.table(), "https://app.example");
        Tx tx = new Tx(wiring.table());
        workspaces.create(tx, new WorkspaceRepository.Workspace(ws, "W", Plan.FREE, CLOCK.instant(), new EnumMap<>(Plan.Resource.class), 1,
                CLOCK.instant().plus(Duration.ofDays(30)), false));
        tx.commit();
        TokenBuckets container = container(CLOCK);
        TokenBuckets.Bucket bucket = TokenBuckets.Bucket.workspace(ws);
        RateLimitDecision third = null;
        for (int i = 0; i < 3; i++) third = container.tryTake(bucket);
        assertThat(third.limit()).isEqualTo(50);
        assertThat(third.remaining()).isEqualTo(47);
        assertThat(third.writes()).isEqualTo(1);

        workspaces.changePlan(ws, Plan.HOBBY);
        RateLimitDecision upgraded = container.tryTake(bucket);
        // Spent so far: 3 free tokens (6 s) and this hobby one (0.6 s), 6.6 s = 11 hobby intervals: 200 − 11 = 189 left.
        assertThat(upgraded.limit()).isEqualTo(200);
        assertThat(upgraded.remaining()).isEqualTo(189);
        assertThat(upgraded.policy()).isEqualTo("plan");

        workspaces.changePlan(ws, Plan.FREE);
        assertThat(container.tryTake(bucket).limit()).isEqualTo(50);
    }

    @Test
    void aWorkspaceWithoutABucketGetsOneFromOneReadOfItsPlan() {
        AtomicInteger lookups = new AtomicInteger();
        TokenBuckets container = new TokenBuckets(wiring.table(), CLOCK, ws -> {
            lookups.incrementAndGet();
            return RateLimitPolicy.forPlan(Plan.TEAM);
        });
        TokenBuckets.Bucket bucket = TokenBuckets.Bucket.workspace("ws_older_than_rate_limits_" + UUID.randomUUID().toString().substring(0, 8));
        RateLimitDecision first = container.tryTake(bucket);
        assertThat(first.admitted()).isTrue();
        assertThat(first.limit()).isEqualTo(5000);
        assertThat(first.remaining()).isEqualTo(4999);
        assertThat(first.reads()).isEqualTo(1);
        assertThat(first.writes()).isEqualTo(2); // the failed idle write shows there is no bucket; the create
        assertThat(container.tryTake(bucket).writes()).as("then one write, as for any bucket").isEqualTo(1);
        CLOCK.now = CLOCK.now.plusSeconds(1);
        assertThat(container(CLOCK).tryTake(bucket).writes()).as("another container, later").isEqualTo(1);
        assertThat(lookups.get()).isEqualTo(1);
    }

    /** One client, random arrival times: every answer, remaining and reset equal the reference's. */
    @Test
    void decisionsMatchTheReferenceAlgorithmStepByStep() {
        Random random = new Random(7);
        RateLimitPolicy policy = new RateLimitPolicy("test", 120, 6); // T = 0.5 s
        TokenBuckets.Bucket bucket = newBucket(policy);
        TokenBuckets container = container(CLOCK);
        Gcra.State reference = null;
        for (int i = 0; i < 150; i++) {
            CLOCK.now = CLOCK.now.plus(Duration.ofMillis(random.nextInt(4) == 0 ? random.nextInt(4_000) : random.nextInt(200)));
            long now = TokenBuckets.micros(CLOCK.now);
            Gcra.State next = Gcra.take(reference, now, policy);
            RateLimitDecision d = container.tryTake(bucket);
            assertThat(d.admitted()).as("step %d", i).isEqualTo(next != null);
            if (next != null) {
                reference = next;
                assertThat(d.remaining()).isEqualTo(Gcra.remaining(next.lim(), next.interval(), now, policy.burst()));
                assertThat(d.resetSeconds()).isEqualTo(Gcra.resetSeconds(next.lim(), now));
            } else {
                assertThat(d.resetSeconds()).isEqualTo(Gcra.retryAfterSeconds(reference.lim(), now));
            }
            assertThat(d.writes()).isEqualTo(1);
        }
    }

    /** The busy write returns tat, lim and the unchanged iv (named in its SET only to be returned), and nothing else. */
    @Test
    void theBusyWriteReturnsTatLimAndIvOnly() {
        RateLimitPolicy policy = new RateLimitPolicy("test", 60, 10);
        TokenBuckets.Bucket bucket = newBucket(policy);
        container(CLOCK).tryTake(bucket); // idle: creates the bucket, tat = now + T
        var returned = wiring.table().client().updateItem(b -> b.tableName(wiring.table().name()).key(bucket.key())
                .updateExpression(TokenBuckets.BUSY_UPDATE).conditionExpression(TokenBuckets.BUSY_CONDITION)
                .expressionAttributeValues(java.util.Map.of(":now", dev.gantry.shared.store.Attr.n(TokenBuckets.micros(CLOCK.now))))
                .returnValues(TokenBuckets.ADMISSION_RETURNS)).attributes();
        assertThat(returned).containsOnlyKeys("tat", "lim", "iv");
        assertThat(returned.get("iv").n()).isEqualTo(Long.toString(policy.intervalMicros()));
        RateLimitDecision d = container(CLOCK).tryTake(bucket); // a new container: idle guess fails, busy write decides
        assertThat(d.limit()).isEqualTo(10);
        assertThat(d.remaining()).isEqualTo(7);
    }
}

package dev.gantry.shared.compute;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Retries a provider call that failed for a reason that may pass: {@link ProviderException.Kind#RATE_LIMITED}
 * and {@link ProviderException.Kind#UNAVAILABLE}. A refused token or a rejected request is thrown
 * at once: asking again would get the same answer.
 * <p>
 * Waits between attempts are exponential with full jitter (uniform in {@code [0, min(cap, base·2^(n-1))]}
 * before attempt n+1), so many callers hit by the same outage do not come back in step. When the
 * provider says how long to wait (429 with Retry-After or a rate-limit reset) and that is longer,
 * that wait is used instead. The waits of one call add up to at most {@code maxTotalWait}: a wait
 * that would exceed it is not taken, and the failure (with the provider's retry-after) goes to the
 * caller, which can reschedule a job rather than hold a Lambda asleep.
 * <p>
 * {@link #call} is for idempotent operations (get, delete, verify). {@link #callOnce} is for
 * create: a 429 means nothing was created, so it is retried; a timeout or 5xx may have created a
 * VM, so it is not.
 * <p>
 * Sleeping and randomness are injected so tests run instantly and can assert every wait.
 */
public record Retry(int maxAttempts, Duration base, Duration cap, Duration maxTotalWait, Sleeper sleeper, RandomGenerator random) {

    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final Duration DEFAULT_BASE = Duration.ofMillis(200);
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(5);
    /** Short enough for a call made while an API request waits (API Gateway gives up after 29 s). */
    public static final Duration DEFAULT_MAX_TOTAL_WAIT = Duration.ofSeconds(10);

    /** How a retry waits; {@code Thread::sleep} in production, a recorder in tests. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public Retry {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(maxTotalWait, "maxTotalWait");
        Objects.requireNonNull(sleeper, "sleeper");
        Objects.requireNonNull(random, "random");
        if (base.isNegative() || cap.isNegative() || maxTotalWait.isNegative()) throw new IllegalArgumentException("durations must not be negative");
    }

    /** 4 attempts, 200 ms base, 5 s cap, 10 s total, really sleeping. */
    public static Retry defaults() {
        return new Retry(DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE, DEFAULT_CAP, DEFAULT_MAX_TOTAL_WAIT, Thread::sleep,
                () -> ThreadLocalRandom.current().nextLong());
    }

    /** One attempt, no waiting: for callers that do their own rescheduling. */
    public static Retry none() {
        return defaults().withMaxAttempts(1);
    }

    public Retry withMaxAttempts(int n) { return new Retry(n, base, cap, maxTotalWait, sleeper, random); }

    public Retry withMaxTotalWait(Duration d) { return new Retry(maxAttempts, base, cap, d, sleeper, random); }

    public Retry withSleeper(Sleeper s) { return new Retry(maxAttempts, base, cap, maxTotalWait, s, random); }

    public Retry withRandom(RandomGenerator r) { return new Retry(maxAttempts, base, cap, maxTotalWait, sleeper, r); }

    /** Runs an idempotent call, retrying rate limits and unavailability. */
    public <T> T call(Supplier<T> op) {
        return run(op, true);
    }

    /** Runs a call that must not be repeated once the provider may have acted: only 429s are retried. */
    public <T> T callOnce(Supplier<T> op) {
        return run(op, false);
    }

    /** {@link #call} for an operation with no result. */
    public void run(Runnable op) {
        run(() -> {
            op.run();
            return null;
        }, true);
    }

    /**
     * The ceiling of the jittered wait after the {@code failedAttempts}-th failure:
     * {@code min(cap, base·2^(failedAttempts-1))}.
     */
    public Duration ceiling(int failedAttempts) {
        int shift = Math.min(Math.max(failedAttempts - 1, 0), 30);
        long millis = base.toMillis() << shift;
        return Duration.ofMillis(Math.min(cap.toMillis(), millis < 0 ? Long.MAX_VALUE : millis));
    }

    /** A full-jitter wait: uniform over {@code [0, ceiling(failedAttempts)]} in whole milliseconds. */
    public Duration backoff(int failedAttempts) {
        long ceiling = ceiling(failedAttempts).toMillis();
        // nextDouble() in [0, 1): floor(u * (ceiling + 1)) covers 0..ceiling inclusive.
        return Duration.ofMillis((long) Math.floor(random.nextDouble() * (ceiling + 1)));
    }

    private <T> T run(Supplier<T> op, boolean retryUnavailable) {
        Duration waited = Duration.ZERO;
        for (int attempt = 1; ; attempt++) {
            try {
                return op.get();
            } catch (ProviderException e) {
                boolean retryable = e.kind() == ProviderException.Kind.RATE_LIMITED
                        || (retryUnavailable && e.kind() == ProviderException.Kind.UNAVAILABLE);
                if (!retryable) throw attempt == 1 ? e : e.afterAttempts(attempt);
                if (attempt >= maxAttempts) throw attempt == 1 ? e : e.afterAttempts(attempt);
                Duration wait = backoff(attempt);
                Duration asked = e.retryAfter().orElse(Duration.ZERO);
                if (asked.compareTo(wait) > 0) wait = asked;
                if (waited.plus(wait).compareTo(maxTotalWait) > 0) throw e.afterAttempts(attempt);
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e.afterAttempts(attempt);
                }
                waited = waited.plus(wait);
            }
        }
    }
}

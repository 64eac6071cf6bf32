package dev.gantry.shared.limits;

/**
 * The token bucket as the generic cell rate algorithm (GCRA), in integer microseconds. A bucket
 * is one number, {@code tat} (theoretical arrival time); with emission interval T and tolerance
 * τ = (burst − 1)·T, a request at {@code now} is admitted iff {@code max(tat, now) − now ≤ τ}, and
 * then {@code tat := max(tat, now) + T}. The stored item also keeps {@code lim = tat − τ} (the
 * earliest time the next request is admitted), so DynamoDB can check the admission as
 * {@code lim <= :now} without knowing τ: see {@link TokenBuckets}. Everything here is pure
 * arithmetic; {@link #take} is the reference the DynamoDB formulation is tested against.
 */
public final class Gcra {
    private Gcra() {}

    /** A bucket's state: {@code tat}, {@code lim = tat − τ} and T, all in microseconds. */
    public record State(long tat, long lim, long interval) {}

    /** The reference step: the state after admitting a request at {@code now}, or null when it is rejected. */
    public static State take(State s, long now, RateLimitPolicy policy) {
        long t = policy.intervalMicros(), tau = policy.toleranceMicros();
        if (s == null || s.tat() < now) return new State(now + t, now + t - tau, t); // idle: a full bucket
        if (s.lim() > now) return null;                                              // empty
        return new State(s.tat() + t, s.lim() + t, t);                               // busy
    }

    /** Whole tokens left after the state {@code lim} at {@code now}: 0 while {@code lim > now}. */
    public static long remaining(long lim, long interval, long now, int burst) {
        if (lim > now) return 0;
        return Math.min(burst, (now - lim) / interval + 1);
    }

    /** Seconds until one more token is available: 0 when at least one is, else rounded up (≥ 1). */
    public static long resetSeconds(long lim, long now) {
        return lim <= now ? 0 : Math.ceilDiv(lim - now, 1_000_000L);
    }

    /** {@code Retry-After} for a rejected request: whole seconds, at least 1. */
    public static long retryAfterSeconds(long lim, long now) {
        return Math.max(1, resetSeconds(lim, now));
    }
}

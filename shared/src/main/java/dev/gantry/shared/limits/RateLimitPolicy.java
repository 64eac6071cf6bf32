package dev.gantry.shared.limits;

import dev.gantry.shared.plans.Plan;

/**
 * One token bucket's size and refill: at most {@code burst} tokens, one more every 60 s /
 * {@code requestsPerMinute}. {@code name} is the policy's name in the {@code RateLimit-Policy} and
 * {@code RateLimit} headers ({@code "plan"} for workspaces, {@code "ip"} for client addresses).
 */
public record RateLimitPolicy(String name, int requestsPerMinute, int burst) {
    /** The anonymous credential routes, per client address (API.md §1): 10/min, burst 20. */
    public static final RateLimitPolicy CLIENT_IP = new RateLimitPolicy("ip", 10, 20);

    public RateLimitPolicy {
        if (requestsPerMinute < 1 || burst < 1) throw new IllegalArgumentException("a bucket refills and holds at least one token");
    }

    /** A workspace's bucket, sized by its plan (API.md §2). */
    public static RateLimitPolicy forPlan(Plan plan) {
        return new RateLimitPolicy("plan", plan.requestsPerMinute(), plan.burst());
    }

    /** T, microseconds between two tokens; rounded up, so the rate never exceeds the nominal one. */
    public long intervalMicros() {
        return Math.ceilDiv(60_000_000L, requestsPerMinute);
    }

    /** τ = (burst − 1)·T: how far ahead of now the bucket's theoretical arrival time may run. */
    public long toleranceMicros() {
        return (burst - 1L) * intervalMicros();
    }
}

package dev.gantry.shared.limits;

import dev.gantry.shared.errors.ApiException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the limiter decided about one request, and the headers that say so (API.md §1): the widely
 * used {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset}, and the
 * same facts as the IETF httpapi draft's structured fields ({@code RateLimit-Policy:
 * "plan";q=<burst>;w=60} and {@code RateLimit: "plan";r=<remaining>;t=<reset>}).
 *
 * @param writes DynamoDB writes the decision cost (failed conditional writes included)
 * @param reads  DynamoDB reads it cost (only when a workspace's bucket had to be created)
 */
public record RateLimitDecision(Outcome outcome, String policy, int limit, long remaining, long resetSeconds, int writes, int reads) {

    public enum Outcome {
        /** The route is not limited (public reads), or limits are off for this wiring. */
        NOT_LIMITED,
        ADMITTED,
        REJECTED,
        /** DynamoDB could not decide; the request goes on (authenticated routes). No headers: nobody knows the state. */
        FAILED_OPEN,
        /** DynamoDB could not decide; the request is refused with 503 (anonymous credential routes). */
        FAILED_CLOSED
    }

    public static final RateLimitDecision NOT_LIMITED = new RateLimitDecision(Outcome.NOT_LIMITED, null, 0, 0, 0, 0, 0);

    public static RateLimitDecision failedOpen() {
        return new RateLimitDecision(Outcome.FAILED_OPEN, null, 0, 0, 0, 0, 0);
    }

    public static RateLimitDecision failedClosed() {
        return new RateLimitDecision(Outcome.FAILED_CLOSED, null, 0, 0, 0, 0, 0);
    }

    public boolean admitted() {
        return outcome != Outcome.REJECTED && outcome != Outcome.FAILED_CLOSED;
    }

    /** The five headers, or none when there is no known bucket state to report. */
    public Map<String, String> headers() {
        if (outcome != Outcome.ADMITTED && outcome != Outcome.REJECTED) return Map.of();
        Map<String, String> h = new LinkedHashMap<>();
        h.put("RateLimit-Limit", Integer.toString(limit));
        h.put("RateLimit-Remaining", Long.toString(remaining));
        h.put("RateLimit-Reset", Long.toString(resetSeconds));
        h.put("RateLimit-Policy", "\"" + policy + "\";q=" + limit + ";w=60");
        h.put("RateLimit", "\"" + policy + "\";r=" + remaining + ";t=" + resetSeconds);
        return h;
    }

    /** Throws the rejection (429 {@code rate_limited} with {@code Retry-After}) or the fail-closed 503; else nothing. */
    public void enforce() {
        if (outcome == Outcome.REJECTED) {
            Map<String, String> h = new LinkedHashMap<>(headers());
            long retryAfter = Math.max(1, resetSeconds);
            h.put("Retry-After", Long.toString(retryAfter));
            String who = "ip".equals(policy) ? "from this address" : "for this workspace";
            throw new ApiException(429, "rate_limited", "Too many requests " + who + "; retry in " + retryAfter
                    + (retryAfter == 1 ? " second." : " seconds."), null, h);
        }
        if (outcome == Outcome.FAILED_CLOSED) {
            throw new ApiException(503, "unavailable", "The rate limiter cannot decide right now; retry in a moment.", null,
                    Map.of("Retry-After", "1"));
        }
    }
}

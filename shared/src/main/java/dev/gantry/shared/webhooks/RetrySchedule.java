package dev.gantry.shared.webhooks;

import dev.gantry.shared.crypto.Hmac;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * When a failed delivery is tried again (API.md §11, the schedule Standard Webhooks and Svix use):
 * the first attempt at once, then after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, each
 * counted from the previous attempt; after the eighth failure the delivery is {@code failed}.
 *
 * <p>Each wait gets ±10 % jitter so that the deliveries of one outage do not all come back in the
 * same second. The jitter is derived from the message id and the attempt number rather than a
 * random source: the same delivery always gets the same schedule, which tests can assert and an
 * operator can reason about.
 */
public final class RetrySchedule {
    public static final List<Duration> WAITS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
    /** The first attempt plus one per wait. */
    public static final int MAX_ATTEMPTS = WAITS.size() + 1;
    public static final double JITTER = 0.10;
    /** A Retry-After later than this is not believed: the schedule's own longest wait is the cap. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(10);

    private RetrySchedule() {}

    /**
     * When attempt {@code failedAttempt + 1} is due after attempt {@code failedAttempt} (1-based)
     * failed at {@code at}; null when that was the last attempt. {@code retryAfter} (may be null)
     * is the receiver's Retry-After, honoured when it is later than the schedule.
     */
    public static Instant next(String messageId, int failedAttempt, Instant at, Duration retryAfter) {
        if (failedAttempt >= MAX_ATTEMPTS) return null;
        Duration wait = jittered(messageId, failedAttempt);
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        }
        return at.plus(wait);
    }

    /** The wait after attempt {@code failedAttempt} (1-based), with its jitter. */
    public static Duration jittered(String messageId, int failedAttempt) {
        Duration base = WAITS.get(failedAttempt - 1);
        byte[] h = Hmac.digest((messageId + "#" + failedAttempt).getBytes(StandardCharsets.UTF_8));
        double unit = ((h[0] & 0xff) << 8 | (h[1] & 0xff)) / 65535.0; // 0..1
        double factor = 1 + JITTER * (2 * unit - 1);
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }
}

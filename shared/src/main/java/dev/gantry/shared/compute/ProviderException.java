package dev.gantry.shared.compute;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider call that did not succeed, classified by what the caller should do about it.
 * <p>
 * Every message is safe to show to the customer: it names the provider and the HTTP status, and,
 * for {@link Kind#REJECTED}, the provider's own explanation (with the token redacted should the
 * provider ever echo it). Never the token, never a transport exception's text.
 */
public final class ProviderException extends RuntimeException {

    public enum Kind {
        /** The token is wrong, revoked or lacks access (401; 403 on DigitalOcean's account endpoint). Never retried. */
        INVALID_TOKEN,
        /** 429: nothing was done; {@link #retryAfter()} says when the provider expects to accept requests again. */
        RATE_LIMITED,
        /** 5xx, a timeout, a refused connection, or an answer Gantry cannot read. */
        UNAVAILABLE,
        /** Any other 4xx: the provider understood and said no (bad region, duplicate name, quota). Never retried. */
        REJECTED
    }

    private final Kind kind;
    private final String provider;
    private final int status;
    private final Duration retryAfter;
    private final int attempts;
    private final String detail;

    private ProviderException(Kind kind, String provider, int status, Duration retryAfter, int attempts, String detail,
                              ProviderException cause) {
        super(message(kind, provider, status, retryAfter, attempts, detail), cause);
        this.kind = kind;
        this.provider = provider;
        this.status = status;
        this.retryAfter = retryAfter;
        this.attempts = attempts;
        this.detail = detail;
    }

    /** The provider refused the token. */
    public static ProviderException invalidToken(String provider, int status) {
        return new ProviderException(Kind.INVALID_TOKEN, provider, status, null, 1, null, null);
    }

    /** The token is not even well-formed (empty, or holding characters no HTTP header may carry); never sent. */
    public static ProviderException malformedToken(String provider) {
        return new ProviderException(Kind.INVALID_TOKEN, provider, 0, null, 1, "the API token is empty or has invalid characters", null);
    }

    /** @param retryAfter how long the provider asks to wait, or null when it did not say */
    public static ProviderException rateLimited(String provider, Duration retryAfter) {
        return new ProviderException(Kind.RATE_LIMITED, provider, 429, retryAfter, 1, null, null);
    }

    /** @param status the HTTP status, or 0 when the provider did not answer (timeout, connection refused) */
    public static ProviderException unavailable(String provider, int status) {
        return new ProviderException(Kind.UNAVAILABLE, provider, status, null, 1, null, null);
    }

    /** A 2xx answer Gantry cannot read (not JSON, a field missing): as good as no answer. */
    public static ProviderException unreadable(String provider, int status) {
        return new ProviderException(Kind.UNAVAILABLE, provider, status, null, 1, "its answer could not be read", null);
    }

    /** @param providerMessage the provider's explanation (already sanitised), or null */
    public static ProviderException rejected(String provider, int status, String providerMessage) {
        return new ProviderException(Kind.REJECTED, provider, status, null, 1, providerMessage, null);
    }

    /** The same failure, re-worded for a caller after {@code attempts} tries (this one kept as the cause). */
    public ProviderException afterAttempts(int attempts) {
        return new ProviderException(kind, provider, status, retryAfter, attempts, detail, this);
    }

    public Kind kind() { return kind; }

    /** The provider's display name, e.g. "Hetzner Cloud". */
    public String provider() { return provider; }

    /** The HTTP status the provider answered, or 0 when it did not answer. */
    public int status() { return status; }

    /** How many times the call was tried before giving up. */
    public int attempts() { return attempts; }

    /** For {@link Kind#RATE_LIMITED}: the wait the provider asked for, when it said. */
    public Optional<Duration> retryAfter() { return Optional.ofNullable(retryAfter); }

    private static String message(Kind kind, String provider, int status, Duration retryAfter, int attempts, String detail) {
        return switch (kind) {
            case INVALID_TOKEN -> detail != null
                    ? provider + " API token rejected: " + detail + "."
                    : provider + " rejected the API token (" + status + "); check that it is correct, not revoked, and has read and write access.";
            case RATE_LIMITED -> provider + " is rate-limiting requests made with this token"
                    + (attempts > 1 ? " (tried " + times(attempts) + ")" : "")
                    + (retryAfter != null ? "; try again in " + seconds(retryAfter) + "." : "; try again later.");
            case UNAVAILABLE -> {
                if (detail != null) yield provider + " answered " + status + " but " + detail + "; try again later.";
                if (status == 0) yield provider + " did not answer" + (attempts > 1 ? " in " + attempts + " attempts" : "") + "; try again later.";
                yield provider + " answered " + status + (attempts > 1 ? " " + times(attempts) : "") + "; try again later.";
            }
            case REJECTED -> provider + " refused the request (" + status + ")" + (detail != null && !detail.isBlank() ? ": " + detail : ".");
        };
    }

    private static String times(int n) {
        return switch (n) {
            case 1 -> "once";
            case 2 -> "twice";
            case 3 -> "three times";
            case 4 -> "four times";
            case 5 -> "five times";
            default -> n + " times";
        };
    }

    private static String seconds(Duration d) {
        long s = Math.max(1, (d.toMillis() + 999) / 1000);
        return s + (s == 1 ? " second" : " seconds");
    }
}

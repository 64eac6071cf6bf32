package dev.gantry.shared.github;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A GitHub App call that did not succeed, sorted by what the caller should do about it: wait
 * ({@link Kind#RATE_LIMITED}, with {@link #retryAfter()} when GitHub said how long), retry later
 * ({@link Kind#UNAVAILABLE}), or stop ({@link Kind#UNAUTHORIZED}, {@link Kind#NOT_FOUND},
 * {@link Kind#FORBIDDEN}).
 * <p>
 * Messages are written to be shown to users as they are: they never hold a token, a JWT or the
 * App's private key, nor GitHub's response body.
 */
public final class GitHubApiException extends RuntimeException {

    public enum Kind {
        /** GitHub's primary (quota) or secondary (abuse) rate limit. */
        RATE_LIMITED,
        /** 5xx, an unreadable answer, a refused connection or a timeout: worth retrying later. */
        UNAVAILABLE,
        /** 401: the token (user, installation or App JWT) was not accepted. */
        UNAUTHORIZED,
        /** 404: the installation, repository or path does not exist or is not visible to this token. */
        NOT_FOUND,
        /** 403 that is not a rate limit: the App lacks a permission, or the installation is suspended. */
        FORBIDDEN
    }

    private final Kind kind;
    private final Duration retryAfter;

    public GitHubApiException(Kind kind, String message, Duration retryAfter) {
        super(message, null, false, false); // expected outcomes at the edge, not bugs: no stack trace
        this.kind = Objects.requireNonNull(kind);
        this.retryAfter = retryAfter;
    }

    public GitHubApiException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() { return kind; }

    /** How long GitHub asked us to wait, when it said (rate limits only). */
    public Optional<Duration> retryAfter() { return Optional.ofNullable(retryAfter); }

    static GitHubApiException rateLimited(Duration retryAfter) {
        long seconds = Math.max(0, retryAfter.toSeconds() + (retryAfter.toNanosPart() > 0 ? 1 : 0));
        return new GitHubApiException(Kind.RATE_LIMITED,
                "GitHub's API rate limit is exhausted; retry after " + seconds + " s.", Duration.ofSeconds(seconds));
    }

    static GitHubApiException unavailable(String message) {
        return new GitHubApiException(Kind.UNAVAILABLE, message);
    }
}

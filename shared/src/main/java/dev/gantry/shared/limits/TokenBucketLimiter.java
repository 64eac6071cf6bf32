package dev.gantry.shared.limits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

/**
 * The rate limits of API.md §1 on {@link TokenBuckets}, with the failure policy for when DynamoDB
 * cannot decide (throttled, 5xx, unreachable — after the SDK's own retries):
 * <ul>
 * <li><b>workspaces fail open</b>: the caller is authenticated, and refusing every request of a
 * workspace because of our own throttling would be an outage of our making. One exception: a
 * bucket this container last saw empty stays closed until its refill time, so hammering a bucket
 * until its item is throttled does not open it;</li>
 * <li><b>client addresses fail closed</b> (503 {@code unavailable}, {@code Retry-After: 1}): these
 * are the routes that check passwords and refresh tokens, and an attacker who can make the
 * limiter's item hot must not thereby switch the brute-force protection off.</li>
 * </ul>
 * Either way one WARN line is logged: the error code and the bucket (a workspace id, never an
 * address or a credential).
 */
public final class TokenBucketLimiter implements RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(TokenBucketLimiter.class);

    private final TokenBuckets buckets;
    private final RateLimitPolicy clientAddressPolicy;

    public TokenBucketLimiter(TokenBuckets buckets) {
        this(buckets, RateLimitPolicy.CLIENT_IP);
    }

    /** {@code clientAddressPolicy}: the per-address bucket's size (API.md: 10/min, burst 20; tests may differ). */
    public TokenBucketLimiter(TokenBuckets buckets, RateLimitPolicy clientAddressPolicy) {
        this.buckets = buckets;
        this.clientAddressPolicy = clientAddressPolicy;
    }

    @Override
    public RateLimitDecision forWorkspace(String workspaceId) {
        TokenBuckets.Bucket bucket = TokenBuckets.Bucket.workspace(workspaceId);
        try {
            return buckets.tryTake(bucket);
        } catch (SdkException e) {
            if (!unavailable(e)) throw e;
            RateLimitDecision known = buckets.lastKnownRejection(bucket);
            LOG.warn("rate limiter unavailable ({}) for workspace {}: failing open{}", code(e), workspaceId,
                    known != null ? ", except that this bucket was empty when last seen: rejected" : "");
            return known != null ? known : RateLimitDecision.failedOpen();
        }
    }

    @Override
    public RateLimitDecision forClientAddress(String sourceIp) {
        try {
            return buckets.tryTake(TokenBuckets.Bucket.clientAddress(ClientAddress.bucketId(sourceIp), clientAddressPolicy));
        } catch (SdkException e) {
            if (!unavailable(e)) throw e;
            LOG.warn("rate limiter unavailable ({}) for a client address bucket: failing closed", code(e));
            return RateLimitDecision.failedClosed();
        }
    }

    /** Throttling, a server error, a transaction holding the item, or no answer: DynamoDB could not decide. Anything else is a bug. */
    static boolean unavailable(SdkException e) {
        if (e instanceof SdkClientException) return true;
        if (e instanceof TransactionConflictException) return true;
        return e instanceof AwsServiceException a && (a.isThrottlingException() || a.statusCode() >= 500);
    }

    private static String code(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return e.getClass().getSimpleName();
    }
}

package dev.gantry.shared.github;

import dev.gantry.shared.secrets.SecretStore;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies GitHub deliveries against the webhook secret in Secrets Manager (API.md §10). The
 * secret is read through the cached store; when a well-formed signature does not match, the
 * secret may have been rotated since it was cached, so it is read once more bypassing the cache
 * and checked again: rotation needs no redeploy. Those refreshes are rate-limited per container
 * (at most one per {@code minRefreshInterval}), so a flood of forged signatures costs Secrets
 * Manager one request per interval, not one per request.
 *
 * <p>The secret is the text GitHub was given, used as it is (not a key ring, no derivation);
 * surrounding whitespace is trimmed, as a value pasted into Secrets Manager often ends in a newline.
 */
public final class GitHubWebhookVerifier {
    public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);

    private final SecretStore store;
    private final String secretId;
    private final Clock clock;
    private final long minRefreshMillis;
    private final AtomicLong lastRefreshMillis = new AtomicLong(Long.MIN_VALUE / 2);

    public GitHubWebhookVerifier(SecretStore store, String secretId, Clock clock, Duration minRefreshInterval) {
        this.store = store;
        this.secretId = secretId;
        this.clock = clock;
        this.minRefreshMillis = minRefreshInterval.toMillis();
    }

    /** True when {@code signatureHeader} is a valid signature of {@code body}. */
    public boolean verify(byte[] body, String signatureHeader) {
        if (!WebhookSignature.wellFormed(signatureHeader)) return false;
        if (WebhookSignature.matches(key(store.get(secretId)), body, signatureHeader)) return true;
        if (!mayRefresh()) return false;
        return WebhookSignature.matches(key(store.fresh(secretId)), body, signatureHeader);
    }

    private boolean mayRefresh() {
        long now = clock.millis();
        long last = lastRefreshMillis.get();
        return now - last >= minRefreshMillis && lastRefreshMillis.compareAndSet(last, now);
    }

    static byte[] key(String secret) {
        return secret.trim().getBytes(StandardCharsets.UTF_8);
    }
}

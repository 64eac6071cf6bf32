package dev.gantry.shared.github;

import dev.gantry.shared.secrets.SecretStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** X-Hub-Signature-256 and the webhook secret's refresh on a mismatch. */
class WebhookSignatureTest {
    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void githubsDocumentedTestVectorVerifies() {
        // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
        String expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assertThat(WebhookSignature.sign(bytes("It's a Secret to Everybody"), bytes("Hello, World!"))).isEqualTo(expected);
        assertThat(WebhookSignature.matches(bytes("It's a Secret to Everybody"), bytes("Hello, World!"), expected)).isTrue();
        assertThat(WebhookSignature.matches(bytes("It's a Secret to Everybody"), bytes("Hello, World!"), expected.toUpperCase().replace("SHA256=", "sha256="))).isTrue();
    }

    @Test
    void wrongSecretOtherBytesAndMalformedHeadersFail() {
        byte[] secret = bytes("It's a Secret to Everybody");
        String good = WebhookSignature.sign(secret, bytes("Hello, World!"));
        assertThat(WebhookSignature.matches(bytes("It's a secret to everybody"), bytes("Hello, World!"), good)).isFalse();
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World! "), good)).isFalse();
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), null)).isFalse();
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), "")).isFalse();
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), good.substring(7))).isFalse();         // no prefix
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), "sha1=" + good.substring(7))).isFalse();
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), good.substring(0, 70))).isFalse();     // short
        assertThat(WebhookSignature.matches(secret, bytes("Hello, World!"), good.substring(0, 70) + "zz")).isFalse();
    }

    @Test
    void theSecretIsItsTextTrimmed() {
        AtomicReference<String> value = new AtomicReference<>("It's a Secret to Everybody\n");
        var verifier = new GitHubWebhookVerifier(id -> value.get(), "s", Clock.systemUTC(), Duration.ofSeconds(30));
        assertThat(verifier.verify(bytes("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")).isTrue();
    }

    /** A store whose cache holds the old value until fresh() is called. */
    static final class RotatingStore implements SecretStore {
        final AtomicReference<String> source = new AtomicReference<>("old secret");
        final AtomicReference<String> cached = new AtomicReference<>("old secret");
        final AtomicInteger freshReads = new AtomicInteger();

        @Override public String get(String id) { return cached.get(); }

        @Override public String fresh(String id) {
            freshReads.incrementAndGet();
            cached.set(source.get());
            return cached.get();
        }
    }

    @Test
    void aMismatchRefreshesTheSecretOnceThenRotationWorksWithoutRedeploy() {
        var store = new RotatingStore();
        var clock = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
        Clock c = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return clock.get(); }
        };
        var verifier = new GitHubWebhookVerifier(store, "s", c, Duration.ofSeconds(30));
        byte[] body = bytes("{\"zen\":\"Keep it logically awesome.\"}");
        assertThat(verifier.verify(body, WebhookSignature.sign(bytes("old secret"), body))).isTrue();
        assertThat(store.freshReads).hasValue(0);

        store.source.set("new secret"); // rotated in Secrets Manager and at GitHub
        assertThat(verifier.verify(body, WebhookSignature.sign(bytes("new secret"), body))).isTrue();
        assertThat(store.freshReads).hasValue(1);
        assertThat(verifier.verify(body, WebhookSignature.sign(bytes("new secret"), body))).isTrue();
        assertThat(store.freshReads).as("the refreshed value is cached").hasValue(1);

        // a flood of forged signatures: one refresh per interval, not one per request
        for (int i = 0; i < 100; i++) assertThat(verifier.verify(body, WebhookSignature.sign(bytes("forged " + i), body))).isFalse();
        assertThat(store.freshReads).hasValue(1);
        clock.set(clock.get().plusSeconds(31));
        for (int i = 0; i < 100; i++) assertThat(verifier.verify(body, WebhookSignature.sign(bytes("forged " + i), body))).isFalse();
        assertThat(store.freshReads).hasValue(2);

        // a missing or malformed header never refreshes
        clock.set(clock.get().plusSeconds(31));
        assertThat(verifier.verify(body, null)).isFalse();
        assertThat(verifier.verify(body, "sha256=nothex")).isFalse();
        assertThat(store.freshReads).hasValue(2);
    }
}

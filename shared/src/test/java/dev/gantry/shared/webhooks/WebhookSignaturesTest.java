package dev.gantry.shared.webhooks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Gantry's signatures checked by the Standard Webhooks reference library (com.standardwebhooks), not by Gantry's own code. */
class WebhookSignaturesTest {
    @Test
    void secretsLookLikeStandardWebhooksSecrets() {
        String s = WebhookSignatures.newSecret();
        assertThat(s).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(s.substring(6))).hasSize(24);
        assertThat(WebhookSignatures.newSecret()).isNotEqualTo(s);
    }

    @Test
    void theReferenceVerifierAcceptsGantrysSignature() throws Exception {
        String secret = WebhookSignatures.newSecret();
        String body = "{\"type\":\"deploy.succeeded\",\"timestamp\":\"2026-11-23T12:00:00Z\",\"data\":{\"id\":\"dep_1\"}}";
        long ts = System.currentTimeMillis() / 1000;
        String sig = WebhookSignatures.header(List.of(secret), "msg_1", ts, body);
        new Webhook(secret).verify(body, headers("msg_1", ts, sig));
        // a different body, id or secret does not verify
        assertThatThrownBy(() -> new Webhook(secret).verify(body + " ", headers("msg_1", ts, sig))).isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new Webhook(secret).verify(body, headers("msg_2", ts, sig))).isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new Webhook(WebhookSignatures.newSecret()).verify(body, headers("msg_1", ts, sig)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void duringARotationEitherSecretVerifies() throws Exception {
        String oldSecret = WebhookSignatures.newSecret();
        String newSecret = WebhookSignatures.newSecret();
        String body = "{\"type\":\"ping\",\"timestamp\":\"2026-11-23T12:00:00Z\",\"data\":{}}";
        long ts = System.currentTimeMillis() / 1000;
        String sig = WebhookSignatures.header(List.of(newSecret, oldSecret), "msg_r", ts, body);
        assertThat(sig.split(" ")).hasSize(2).allMatch(p -> p.startsWith("v1,"));
        new Webhook(oldSecret).verify(body, headers("msg_r", ts, sig));
        new Webhook(newSecret).verify(body, headers("msg_r", ts, sig));
    }

    static Map<String, List<String>> headers(String id, long ts, String sig) {
        return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(Long.toString(ts)), "webhook-signature", List.of(sig));
    }
}

package dev.gantry.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.testing.Reply;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub's own example webhook deliveries (the npm package {@code @octokit/webhooks-examples},
 * installed into tests/webhook-examples by {@code ./gantry test}), and signing and sending them to
 * the local server as GitHub does.
 */
final class GitHubExamples {
    static final Path EXAMPLES = Path.of(System.getProperty("gantry.webhookExamples",
            "webhook-examples/node_modules/@octokit/webhooks-examples/api.github.com/index.json"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, JsonNode> byEvent;

    private GitHubExamples() {}

    private static synchronized Map<String, JsonNode> all() {
        if (byEvent == null) {
            assertThat(EXAMPLES).as("GitHub's webhook examples: run `npm ci` in tests/webhook-examples (./gantry test does)").isRegularFile();
            Map<String, JsonNode> m = new HashMap<>();
            try {
                for (JsonNode e : JSON.readTree(Files.readAllBytes(EXAMPLES))) m.put(e.get("name").asText(), e.get("examples"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byEvent = m;
        }
        return byEvent;
    }

    /** The first example of {@code event} whose predicate holds, as a mutable copy. */
    static ObjectNode example(String event, Predicate<JsonNode> which) {
        for (JsonNode e : all().get(event)) if (which.test(e)) return e.deepCopy();
        throw new AssertionError("no such " + event + " example");
    }

    static ObjectNode example(String event, String action) {
        return example(event, e -> action == null || action.equals(e.path("action").asText(null)));
    }

    /** What @octokit/webhooks-methods' sign() computes: sha256= and the hex HMAC-SHA256 of the bytes. */
    static String sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(LocalGantry.GITHUB_WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(JsonNode payload) {
        try {
            return JSON.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Signs and sends one delivery with a new delivery id; answers the reply. */
    static Reply send(String event, JsonNode payload) {
        byte[] body = bytes(payload);
        return LocalGantry.webhook(body, event, UUID.randomUUID().toString(), sign(body));
    }
}

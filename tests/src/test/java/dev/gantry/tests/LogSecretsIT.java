package dev.gantry.tests;

import dev.gantry.shared.testing.LogCapture;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.await;
import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret in a log line (the handbook's standard, API.md §1): a run through the local server that
 * creates every kind of secret the API handles — a password, access and refresh tokens, an API key,
 * a secret env var, a shared secret, a cloud provider token, a webhook endpoint's signing secret —
 * and uses them, right and wrong, while every log event of the JVM is captured; then every event's
 * message, context and stack trace is searched for each secret.
 */
class LogSecretsIT {
    private static String render(LogEvent e) {
        StringBuilder b = new StringBuilder(e.getMessage().getFormattedMessage()).append(' ').append(e.getContextData().toMap());
        if (e.getThrown() != null) {
            StringWriter w = new StringWriter();
            e.getThrown().printStackTrace(new PrintWriter(w));
            b.append(' ').append(w);
        }
        return b.toString();
    }

    @Test
    void noSecretTheApiHandledAppearsInAnyLogLine() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID() + "-correct-horse";
        String envSecret = "sk_live_" + UUID.randomUUID().toString().replace("-", "");
        String sharedSecret = "postgres://user:" + UUID.randomUUID() + "@db/prod";
        String providerToken = "hcloud-" + UUID.randomUUID().toString().replace("-", "");
        List<String> secrets = new ArrayList<>(List.of(password, envSecret, sharedSecret, providerToken));
        List<LogEvent> events;
        try (LogCapture logs = LogCapture.start()) {
            var signup = call("POST", "/v1/auth/signup", "{\"email\":\"logs-" + suffix + "@example.com\",\"password\":\"" + password
                    + "\",\"name\":\"Logs\"}", null).expect(201);
            String token = signup.text("/token");
            secrets.add(token);
            secrets.add(signup.text("/refresh_token"));
            call("POST", "/v1/auth/login", "{\"email\":\"logs-" + suffix + "@example.com\",\"password\":\"" + password + "x\"}", null)
                    .expectError(401, "invalid_credentials");
            call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
            String apiKey = call("POST", "/v1/api-keys", "{\"name\":\"ci\",\"role\":\"admin\"}", token).expect(201).text("/token");
            secrets.add(apiKey);
            call("GET", "/v1/me", null, apiKey + "x").expect(401); // a wrong key is logged as a failure, never its value
            String repo = call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/static-site\"}", apiKey).expect(201).text("/id");
            String ct = call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"" + providerToken + "\"}", apiKey)
                    .expect(201).text("/id");
            call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"invalid-" + providerToken + "\"}", apiKey)
                    .expect(400);
            String env = call("POST", "/v1/repos/" + repo + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}", apiKey)
                    .expect(201).text("/id");
            call("PUT", "/v1/environments/" + env + "/env-vars", "[{\"key\":\"STRIPE_KEY\",\"value\":\"" + envSecret + "\",\"secret\":true}]", apiKey)
                    .expect(200);
            call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"" + sharedSecret + "\",\"scope\":\"production\"}", apiKey).expect(201);
            call("POST", "/v1/environments/" + env + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\"}", apiKey).expect(201);
            call("GET", "/v1/environments/" + env + "/resolved-env?reveal=true", null, apiKey).expect(200);
            var endpoint = call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"*\"]}", apiKey).expect(201);
            secrets.add(endpoint.text("/secret"));
            await("/v1/environments/" + env, apiKey, r -> r.text("/status").equals("ready"));
            call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "c0".repeat(20) + "\"}", apiKey).expect(202);
            String deploys = "/v1/deploys?environment_id=" + env;
            await(deploys, apiKey, r -> !r.json().get("data").isEmpty()
                    && List.of("succeeded", "failed").contains(r.json().get("data").get(0).get("status").asText()));
            call("POST", "/v1/auth/logout", "{}", token).expect(200);
            events = List.copyOf(logs.events());
        }
        assertThat(events).as("the run logged (a scan of nothing proves nothing)").hasSizeGreaterThan(20);
        assertThat(secrets).allSatisfy(s -> assertThat(s).hasSizeGreaterThanOrEqualTo(20));
        for (LogEvent e : events) {
            String line = render(e);
            for (String secret : secrets) {
                assertThat(line).as("a log line of %s holds a secret", e.getLoggerName()).doesNotContain(secret);
            }
        }
    }
}

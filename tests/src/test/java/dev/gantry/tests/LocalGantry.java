package dev.gantry.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.testing.Reply;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The local server on a free port, and a small HTTP client for scenarios. One server per test JVM. */
final class LocalGantry {
    private static LocalServer server;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalGantry() {}

    static synchronized LocalServer server() {
        if (server == null) {
            // GitHub sign-in configured (unconfigured it answers 503), against a loopback port nothing
            // listens on: the scenarios here never complete a GitHub sign-in (GitHubSignInIT does, on a fake).
            server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4)
                    .with("GANTRY_GITHUB_CLIENT_ID", "Iv1.e2e-tests")
                    .with("GANTRY_GITHUB_URL", "http://127.0.0.1:9")
                    .with("GANTRY_GITHUB_API_URL", "http://127.0.0.1:9")
                    // customer webhook endpoints on loopback http (a port nothing listens on in TenantIsolationIT)
                    .with("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }

    static Reply call(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server().baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("never a 500: %s %s -> %s", method, path, r.body()).isLessThan(500);
            assertThat(r.headers().firstValue("x-request-id")).as("X-Request-Id on %s %s", method, path).isPresent();
            JsonNode json = r.body() == null || r.body().isEmpty() ? null : JSON.readTree(r.body());
            java.util.Map<String, String> headers = new java.util.HashMap<>();
            r.headers().map().forEach((k, v) -> headers.put(k, String.join(",", v)));
            return new Reply(r.statusCode(), headers, json, r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

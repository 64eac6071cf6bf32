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
public final class LocalGantry {
    private static LocalServer server;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalGantry() {}

    /** The secret the local server verifies GitHub deliveries with, as a developer would type it into GitHub. */
    public static final String GITHUB_WEBHOOK_SECRET = "It's a Secret to Everybody (e2e)";

    /**
     * Sends {@code body} to {@code POST /webhooks/github} as GitHub does; null headers are left out.
     * The reply's JSON is parsed; the body is not asserted on (some answers here are errors on purpose).
     */
    static Reply webhook(byte[] body, String event, String deliveryId, String signature) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server().baseUrl() + "/webhooks/github")).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json").header("User-Agent", "GitHub-Hookshot/e2e");
        if (event != null) b.header("X-GitHub-Event", event);
        if (deliveryId != null) b.header("X-GitHub-Delivery", deliveryId);
        if (signature != null) b.header("X-Hub-Signature-256", signature);
        try {
            HttpRequest request = b.build();
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("never a 500: %s", r.body()).isLessThan(500);
            checkContract(request, new String(body, java.nio.charset.StandardCharsets.UTF_8), r);
            java.util.Map<String, String> headers = new java.util.HashMap<>();
            r.headers().map().forEach((k, v) -> headers.put(k, String.join(",", v)));
            return new Reply(r.statusCode(), headers, r.body().isEmpty() ? null : JSON.readTree(r.body()), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static synchronized LocalServer server() {
        if (server == null) {
            // GitHub sign-in configured (unconfigured it answers 503), against a loopback port nothing
            // listens on: the scenarios here never complete a GitHub sign-in (GitHubSignInIT does, on a fake).
            server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4)
                    .with("GANTRY_GITHUB_CLIENT_ID", "Iv1.e2e-tests")
                    .with("GANTRY_GITHUB_URL", "http://127.0.0.1:9")
                    .with("GANTRY_GITHUB_API_URL", "http://127.0.0.1:9")
                    .with("GANTRY_GITHUB_WEBHOOK_SECRET", GITHUB_WEBHOOK_SECRET)
                    // customer webhook endpoints on loopback http (a port nothing listens on in TenantIsolationIT)
                    .with("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }

    static Reply call(String method, String path, String body, String token) {
        return call(method, path, body, token, java.util.Map.of());
    }

    /** {@link #call(String, String, String, String)} with more request headers (If-None-Match, Idempotency-Key, ...). */
    static Reply call(String method, String path, String body, String token, java.util.Map<String, String> extraHeaders) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server().baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        extraHeaders.forEach(b::header);
        try {
            HttpRequest request = b.build();
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("never a 500: %s %s -> %s", method, path, r.body()).isLessThan(500);
            assertThat(r.headers().firstValue("x-request-id")).as("X-Request-Id on %s %s", method, path).isPresent();
            checkContract(request, body, r);
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

    /**
     * Every exchange of every scenario against openapi.yaml ({@link OpenApiContract}): a response
     * the document does not describe, or an accepted request it does not allow, fails the test
     * that sent it.
     */
    private static void checkContract(HttpRequest request, String body, HttpResponse<String> r) {
        String target = request.uri().getRawPath() + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery());
        OpenApiContract.get().check(new OpenApiContract.Exchange(request.method(), target, request.headers().map(), body,
                r.statusCode(), r.headers().map(), r.body()));
    }

    /**
     * Polls {@code GET path} until {@code done} holds. Waiting for asynchronous work (workers, simulated
     * VMs and builds) is not a timing assertion: the deadline only stops a broken run.
     */
    static Reply await(String path, String token, java.util.function.Predicate<Reply> done) {
        java.time.Instant deadline = java.time.Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            Reply r = call("GET", path, null, token);
            if (done.test(r)) return r;
            assertThat(java.time.Instant.now()).as("still waiting on " + path + ": " + r.raw()).isBefore(deadline);
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}

package dev.gantry.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback stand-in for AWS Secrets Manager that speaks its JSON protocol (awsJson1.1), so the
 * functions read their secrets through the real {@code SecretsManagerClient} and Powertools,
 * exactly as in AWS. Only {@code GetSecretValue} is served; secrets are fixed at start.
 */
final class FakeSecretsManager implements AutoCloseable {
    static final String ACCOUNT = "000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    private static final String ARN_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    record Secret(String name, String arn, String value, String versionId, Instant created) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Secret> byIdOrArn = new HashMap<>();
    private final URI endpoint;

    private FakeSecretsManager(HttpServer server, ExecutorService executor, Map<String, String> secrets, String region) {
        this.server = server;
        this.executor = executor;
        SecureRandom random = new SecureRandom();
        Instant created = Instant.now();
        secrets.forEach((name, value) -> {
            StringBuilder suffix = new StringBuilder();
            for (int i = 0; i < 6; i++) suffix.append(ARN_SUFFIX_ALPHABET.charAt(random.nextInt(ARN_SUFFIX_ALPHABET.length())));
            String arn = "arn:aws:secretsmanager:" + region + ":" + ACCOUNT + ":secret:" + name + "-" + suffix;
            Secret s = new Secret(name, arn, value, UUID.randomUUID().toString(), created);
            byIdOrArn.put(name, s);
            byIdOrArn.put(arn, s);
        });
        this.endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Serves {@code secrets} (name to value) on loopback; port 0 picks a free port. */
    static FakeSecretsManager start(Map<String, String> secrets, String region, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, Threads.daemon("gantry-secrets"));
        FakeSecretsManager fake = new FakeSecretsManager(server, executor, secrets, region);
        server.createContext("/", fake::handle);
        server.setExecutor(executor);
        server.start();
        return fake;
    }

    URI endpoint() { return endpoint; }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_REQUEST_BYTES);
            }
            if (!"POST".equals(exchange.getRequestMethod()) || !"/".equals(exchange.getRequestURI().getPath())) {
                error(exchange, 404, "UnknownOperationException", "Only POST / is served.");
                return;
            }
            if (!"secretsmanager.GetSecretValue".equals(target)) {
                error(exchange, 400, "UnknownOperationException",
                        "The local fake of Secrets Manager serves GetSecretValue only, not " + target + ".");
                return;
            }
            JsonNode request;
            try {
                request = JSON.readTree(body);
            } catch (IOException e) {
                error(exchange, 400, "SerializationException", "The request body is not JSON.");
                return;
            }
            JsonNode id = request == null ? null : request.get("SecretId");
            if (id == null || !id.isTextual() || id.asText().isEmpty()) {
                error(exchange, 400, "InvalidParameterException", "SecretId is required.");
                return;
            }
            if (request.hasNonNull("VersionStage") && !"AWSCURRENT".equals(request.get("VersionStage").asText())) {
                error(exchange, 400, "ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret value for staging label: " + request.get("VersionStage").asText());
                return;
            }
            Secret secret = byIdOrArn.get(id.asText());
            if (secret == null || (request.hasNonNull("VersionId") && !secret.versionId().equals(request.get("VersionId").asText()))) {
                error(exchange, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                return;
            }
            ObjectNode out = JSON.createObjectNode();
            out.put("ARN", secret.arn());
            out.put("Name", secret.name());
            out.put("SecretString", secret.value());
            out.put("VersionId", secret.versionId());
            out.putArray("VersionStages").add("AWSCURRENT");
            out.put("CreatedDate", secret.created().getEpochSecond());
            send(exchange, 200, JSON.writeValueAsBytes(out), null);
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("__type", type);
        out.put("message", message);
        send(exchange, status, JSON.writeValueAsBytes(out), type);
    }

    private static void send(HttpExchange exchange, int status, byte[] body, String errorType) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package dev.gantry.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The local server started in-process on a free port, spoken to over real HTTP. */
class LocalServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PASSWORD = "correct horse battery staple";
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    @TempDir
    static Path tmp;

    static LocalServer server;

    @BeforeAll
    static void start() {
        server = LocalServer.start(options(tmp.resolve("data")));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static LocalOptions options(Path dataDir) {
        return LocalOptions.defaults().withPort(0).withDataDir(dataDir).withBcryptCost(4);
    }

    record Reply(int status, HttpResponse<String> raw, JsonNode json) {
        String header(String name) { return raw.headers().firstValue(name).orElse(null); }
    }

    static Reply send(URI base, String method, String path, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        headers.forEach(b::header);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? null : JSON.readTree(r.body());
        return new Reply(r.statusCode(), r, json);
    }

    static Reply post(URI base, String path, String body) throws IOException, InterruptedException {
        return send(base, "POST", path, body, Map.of());
    }

    static String signupBody(String email) {
        return "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Ada\"}";
    }

    static String loginBody(String email) {
        return "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}";
    }

    static String newEmail() {
        return "ada-" + UUID.randomUUID() + "@example.com";
    }

    @Test
    void reportsTheRealPortItListensOn() {
        assertThat(server.port()).isPositive().isNotEqualTo(8080);
        assertThat(server.baseUrl()).isEqualTo(URI.create("http://localhost:" + server.port()));
        assertThat(server.dynamoEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(server.sqsEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(server.secretsEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(server.githubWebhookSecret()).isNotBlank();
    }

    @Test
    void health() throws Exception {
        Reply r = send(server.baseUrl(), "GET", "/health", null, Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(JSON.readTree("{\"status\":\"ok\"}"));
        assertThat(r.header("X-Request-Id")).startsWith("req_");
        assertThat(r.header("apigw-requestid")).hasSize(16);
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    }

    @Test
    void signupThenLogin() throws Exception {
        String email = newEmail();
        Reply signup = post(server.baseUrl(), "/v1/auth/signup", signupBody(email));
        assertThat(signup.status()).isEqualTo(201);
        assertThat(signup.json().at("/user/email").asText()).isEqualTo(email);
        assertThat(signup.json().get("token").asText()).isNotBlank();

        Reply login = post(server.baseUrl(), "/v1/auth/login", loginBody(email));
        assertThat(login.status()).isEqualTo(200);
        String token = login.json().get("token").asText();

        Reply me = send(server.baseUrl(), "GET", "/v1/me", null, Map.of("Authorization", "Bearer " + token));
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.raw().body()).contains(email);

        Reply wrong = post(server.baseUrl(), "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"not the password\"}");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("invalid_credentials");
    }

    @Test
    void anUnknownPathGetsTheNotFoundEnvelope() throws Exception {
        Reply r = send(server.baseUrl(), "GET", "/v1/no-such-thing?x=1", null, Map.of());
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
        assertThat(r.json().get("message").asText()).isNotBlank();
        assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("X-Request-Id")).startsWith("req_");
    }

    @Test
    void aKnownPathWithAnotherMethodGets405() throws Exception {
        Reply r = send(server.baseUrl(), "DELETE", "/health", null, Map.of());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET");
        assertThat(r.json().get("error").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void aBinaryBodyReachesTheRouterAndIsRefusedBy415() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(server.baseUrl().resolve("/v1/auth/login"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{0, 1, 2, (byte) 0xff})).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unsupported_media_type");
    }

    @Test
    void aBodyOverTheFrontsLimitGets413WithARequestId() throws Exception {
        byte[] big = new byte[ApiGatewayFront.MAX_BODY_BYTES + 1];
        HttpRequest req = HttpRequest.newBuilder(server.baseUrl().resolve("/v1/auth/signup"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asText()).isEqualTo("payload_too_large");
        assertThat(body.get("request_id").asText()).isEqualTo(r.headers().firstValue("X-Request-Id").orElseThrow()).startsWith("req_");

        // The connection is still good for the next request.
        assertThat(send(server.baseUrl(), "GET", "/health", null, Map.of()).status()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheApiLimitButUnderTheFrontsIsTheRoutersTooLarge() throws Exception {
        String big = "{\"email\":\"" + "a".repeat(300 * 1024) + "\"}";
        Reply r = post(server.baseUrl(), "/v1/auth/signup", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void theSecretsFileAndDataDirectoryAreOwnerOnly() throws Exception {
        assumeThat(DataDir.posix()).isTrue();
        Path file = server.dataDir().resolve("secrets.json");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(server.dataDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        JsonNode stored = JSON.readTree(file.toFile());
        for (SecretSpec spec : SecretSpec.ALL) {
            assertThat(java.util.Base64.getDecoder().decode(stored.get(spec.defaultId()).asText())).hasSizeGreaterThanOrEqualTo(32);
        }
        assertThat(stored.get("gantry/github-webhook-secret").asText()).isEqualTo(server.githubWebhookSecret());
    }

    @Test
    void everyQueueExistsWithItsDeadLetterQueueAndVisibilityTimeout() {
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).endpointOverride(server.sqsEndpoint()).build()) {
            for (QueueSpec q : QueueSpec.ALL) {
                String url = server.queueUrls().get(q.name());
                assertThat(url).isNotNull();
                Map<QueueAttributeName, String> attrs = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.ALL)).attributes();
                assertThat(attrs.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo(String.valueOf(q.visibilityTimeoutSeconds()));
                JsonNode redrive = readJson(attrs.get(QueueAttributeName.REDRIVE_POLICY));
                assertThat(redrive.get("deadLetterTargetArn").asText()).endsWith(":" + q.deadLetterName());
                assertThat(redrive.get("maxReceiveCount").asInt()).isEqualTo(q.maxReceiveCount());
                assertThat(server.queueUrls().get(q.deadLetterName())).isNotNull();
            }
        }
    }

    @Test
    void theSecretsManagerFakeSpeaksTheRealProtocol() {
        try (SecretsManagerClient sm = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).endpointOverride(server.secretsEndpoint()).build()) {
            var v = sm.getSecretValue(r -> r.secretId("gantry/github-webhook-secret"));
            assertThat(v.secretString()).isEqualTo(server.githubWebhookSecret());
            assertThat(v.name()).isEqualTo("gantry/github-webhook-secret");
            assertThat(v.versionStages()).containsExactly("AWSCURRENT");
            assertThat(v.createdDate()).isNotNull();
            assertThat(sm.getSecretValue(r -> r.secretId(v.arn())).secretString()).isEqualTo(v.secretString());
            assertThatThrownBy(() -> sm.getSecretValue(r -> r.secretId("gantry/nope"))).isInstanceOf(ResourceNotFoundException.class);
        }
    }

    @Test
    void aSecondServerCannotShareTheDataDirectory() {
        assertThatThrownBy(() -> LocalServer.start(options(server.dataDir())))
                .hasMessageContaining("another Gantry local server");
    }

    @Test
    void dataAndSecretsSurviveARestartWithTheSameDataDirectory() throws Exception {
        Path dir = tmp.resolve("restart");
        String email = newEmail();
        String webhookSecret;
        String accessToken;
        String secretsBefore;
        try (LocalServer first = LocalServer.start(options(dir))) {
            assertThat(post(first.baseUrl(), "/v1/auth/signup", signupBody(email)).status()).isEqualTo(201);
            accessToken = post(first.baseUrl(), "/v1/auth/login", loginBody(email)).json().get("token").asText();
            webhookSecret = first.githubWebhookSecret();
            secretsBefore = Files.readString(dir.resolve("secrets.json"));
        }
        try (LocalServer second = LocalServer.start(options(dir))) {
            assertThat(second.githubWebhookSecret()).isEqualTo(webhookSecret);
            assertThat(Files.readString(dir.resolve("secrets.json"))).isEqualTo(secretsBefore);
            // the user is still there ...
            Reply login = post(second.baseUrl(), "/v1/auth/login", loginBody(email));
            assertThat(login.status()).isEqualTo(200);
            // ... and a token signed before the restart still verifies: the signing key was kept.
            Reply me = send(second.baseUrl(), "GET", "/v1/me", null, Map.of("Authorization", "Bearer " + accessToken));
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.raw().body()).contains(email);
            // signing up again is a conflict, not a fresh start
            assertThat(post(second.baseUrl(), "/v1/auth/signup", signupBody(email)).status()).isEqualTo(409);
        }
    }

    @Test
    void withoutADataDirectorySecretsFromTheEnvironmentAreUsedAndNothingIsWritten() throws Exception {
        String given = "a-github-app-webhook-secret";
        LocalOptions o = LocalOptions.defaults().withPort(0).withBcryptCost(4)
                .with("GANTRY_GITHUB_WEBHOOK_SECRET", given)
                .with("GANTRY_JWT_SIGNING_KEY", java.util.Base64.getEncoder().encodeToString(new byte[48]));
        try (LocalServer inMemory = LocalServer.start(o)) {
            assertThat(inMemory.dataDir()).isNull();
            assertThat(inMemory.githubWebhookSecret()).isEqualTo(given);
            assertThat(post(inMemory.baseUrl(), "/v1/auth/signup", signupBody(newEmail())).status()).isEqualTo(201);
        }
    }

    @Test
    void aMasterSecretThatIsTooShortStopsTheStart() {
        LocalOptions o = LocalOptions.defaults().withPort(0).with("GANTRY_MASTER_KEY", "short");
        assertThatThrownBy(() -> LocalServer.start(o)).hasMessageContaining("GANTRY_MASTER_KEY").hasMessageContaining("at least 32");
    }

    private static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}

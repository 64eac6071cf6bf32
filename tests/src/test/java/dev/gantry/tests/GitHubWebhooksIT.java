package dev.gantry.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.platform.InstallationRepository;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static dev.gantry.tests.LocalGantry.call;
import static dev.gantry.tests.LocalGantry.webhook;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub webhooks end to end: GitHub's own example payloads (the npm package
 * {@code @octokit/webhooks-examples}, installed into tests/webhook-examples by {@code ./gantry test}),
 * signed here as GitHub signs them, sent over HTTP to the local server, verified and recorded by the
 * github-ingest function, and processed by the github-events worker polling ElasticMQ. The effects
 * are read over the API where the API shows them, else from the table (a delivery's status).
 */
class GitHubWebhooksIT {
    private static DynamoDbClient dynamo;
    private static Table table;

    @BeforeAll
    static void load() throws IOException {
        LocalServer server = LocalGantry.server();
        dynamo = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(server.dynamoEndpoint()).build();
        table = new Table(dynamo, server.tableName());
    }

    @AfterAll
    static void close() {
        if (dynamo != null) dynamo.close();
    }

    private static ObjectNode example(String event, java.util.function.Predicate<JsonNode> which) {
        return GitHubExamples.example(event, which);
    }

    private static ObjectNode example(String event, String action) {
        return GitHubExamples.example(event, action);
    }

    static String sign(byte[] body) {
        return GitHubExamples.sign(body);
    }

    private static byte[] bytes(JsonNode payload) {
        return GitHubExamples.bytes(payload);
    }

    /** Signs and sends; answers the delivery id. */
    private static String deliver(String event, JsonNode payload, String expectedBody) {
        String id = UUID.randomUUID().toString();
        deliver(event, id, payload, expectedBody);
        return id;
    }

    private static Reply deliver(String event, String id, JsonNode payload, String expectedBody) {
        byte[] body = bytes(payload);
        Reply r = webhook(body, event, id, sign(body)).expect(200);
        assertThat(r.raw()).isEqualTo(expectedBody);
        return r;
    }

    private static String deliveryStatus(String id) {
        var item = table.get(Keys.githubDelivery(id), true);
        return item == null ? null : Attr.str(item, "status");
    }

    /** Waiting for the worker is not a timing assertion: the deadline only stops a broken run. */
    private static <T> T await(String what, Supplier<T> read, java.util.function.Predicate<T> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            T v = read.get();
            if (done.test(v)) return v;
            assertThat(Instant.now()).as("still waiting for " + what + ": " + v).isBefore(deadline);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void awaitCompleted(String id) {
        await("delivery " + id + " completed", () -> deliveryStatus(id), "completed"::equals);
    }

    private static final String OK = "{\"ok\":true}";

    @Test
    void githubsExamplePayloadsOverHttp() {
        String email = "octo-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String token = call("POST", "/v1/auth/signup",
                "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Octo\"}", null).expect(201).text("/token");
        String workspaceId = call("GET", "/v1/workspace", null, token).expect(200).text("/id");

        // ping
        String ping = deliver("ping", example("ping", e -> e.has("zen")), OK);
        awaitCompleted(ping);

        // installation created: its repositories are recorded. The examples' installations are linked to this
        // workspace first, directly in the table (linking needs a GitHub sign-in, which GitHubAppIT covers).
        ObjectNode created = example("installation", "created");
        ObjectNode deleted = example("installation", "deleted");
        long createdId = created.path("installation").path("id").asLong();
        long deletedId = deleted.path("installation").path("id").asLong();
        var installations = new InstallationRepository(table);
        Tx tx = new Tx(table);
        installations.link(tx, new InstallationRepository.Installation(createdId, workspaceId, "Codertocat", "User", "active", Instant.now(), "usr_e2e"));
        installations.link(tx, new InstallationRepository.Installation(deletedId, workspaceId, "octocat", "User", "active", Instant.now(), "usr_e2e"));
        tx.commit();
        awaitCompleted(deliver("installation", created, OK));
        List<String> createdRepos = names(created.path("repositories"));
        assertThat(createdRepos).isNotEmpty();
        assertThat(installation(token, createdId).path("repositories").toString()).contains(createdRepos.get(0));

        // installation_repositories added
        ObjectNode added = example("installation_repositories", e -> "added".equals(e.path("action").asText())
                && e.path("installation").path("id").asLong() == createdId);
        awaitCompleted(deliver("installation_repositories", added, OK));
        assertThat(installation(token, createdId).path("repositories").toString()).contains(names(added.path("repositories_added")).get(0));

        // installation deleted: unlinked
        assertThat(installation(token, deletedId)).isNotNull();
        awaitCompleted(deliver("installation", deleted, OK));
        assertThat(installation(token, deletedId)).isNull();

        // push (the deploy service is a logging stand-in for now: over HTTP the delivery completing is what shows)
        ObjectNode push = example("push", e -> e.path("ref").asText().startsWith("refs/heads/"));
        awaitCompleted(deliver("push", push, OK));
        awaitCompleted(deliver("push", example("push", e -> e.path("ref").asText().startsWith("refs/tags/")), OK));

        // workflow_run
        awaitCompleted(deliver("workflow_run", example("workflow_run", "completed"), OK));
        awaitCompleted(deliver("workflow_run", example("workflow_run", "requested"), OK));

        // repository renamed: the example with its owner and new name made unique to this run
        ObjectNode renamed = example("repository", "renamed");
        String from = renamed.path("changes").path("repository").path("name").path("from").asText();
        String owner = "octo-" + UUID.randomUUID().toString().substring(0, 8);
        String newName = from + "-renamed";
        ((ObjectNode) renamed.path("repository")).put("name", newName).put("full_name", owner + "/" + newName);
        ((ObjectNode) renamed.path("repository").path("owner")).put("login", owner);
        String repoId = call("POST", "/v1/repos", "{\"full_name\":\"" + owner + "/" + from + "\"}", token).expect(201).text("/id");
        awaitCompleted(deliver("repository", renamed, OK));
        assertThat(call("GET", "/v1/repos/" + repoId, null, token).expect(200).text("/full_name")).isEqualTo(owner + "/" + newName);
        // the old name can be connected again; the new one is taken
        call("POST", "/v1/repos", "{\"full_name\":\"" + owner + "/" + newName + "\"}", token).expectError(409, "already_exists");

        // repository deleted (the package has no example of it: the renamed one with its action changed)
        ObjectNode gone = renamed.deepCopy();
        gone.put("action", "deleted").remove("changes");
        awaitCompleted(deliver("repository", gone, OK));
        assertThat(Attr.str(table.get(Keys.repo(repoId), true), "github_status")).isEqualTo("deleted");
        call("GET", "/v1/repos/" + repoId, null, token).expect(200); // kept

        // other events: 200, recorded as completed at once
        ObjectNode star = new ObjectMapper().createObjectNode().put("action", "created");
        String starId = deliver("star", star, OK);
        assertThat(deliveryStatus(starId)).isEqualTo("completed");
    }

    private static List<String> names(JsonNode repos) {
        return java.util.stream.StreamSupport.stream(repos.spliterator(), false).map(r -> r.path("full_name").asText()).toList();
    }

    /** The workspace's linked installation with this id, as GET /v1/github/installations shows it; null when not linked. */
    private static JsonNode installation(String token, long id) {
        for (JsonNode i : call("GET", "/v1/github/installations", null, token).expect(200).json().path("data")) {
            if (i.path("installation_id").asLong() == id) return i;
        }
        return null;
    }

    @Test
    void redeliveriesDuplicatesAndFailures() {
        ObjectNode ping = example("ping", e -> e.has("zen"));
        String id = deliver("ping", ping, OK);
        awaitCompleted(id);
        // GitHub redelivers with the same id: nothing happens twice
        deliver("ping", id, ping, "{\"ok\":true,\"duplicate\":true}");

        // a delivery recorded but never completed (its processing failed): the redelivery is processed again
        String failed = UUID.randomUUID().toString();
        table.client().putItem(b -> b.tableName(table.name()).item(Map.of(Keys.PK, Keys.githubDelivery(failed).get(Keys.PK),
                Keys.SK, Keys.githubDelivery(failed).get(Keys.SK), "type", Attr.s("github_delivery"), "status", Attr.s("received"),
                "event", Attr.s("push"))));
        deliver("push", failed, example("push", e -> e.path("ref").asText().startsWith("refs/heads/")), OK);
        awaitCompleted(failed);
    }

    @Test
    void signaturesHeadersAndSize() {
        byte[] body = bytes(example("ping", e -> e.has("zen")));
        String id = UUID.randomUUID().toString();
        webhook(body, "ping", id, null).expectError(401, "invalid_signature");
        byte[] other = Arrays.copyOf(body, body.length + 1);
        other[body.length] = ' ';
        webhook(other, "ping", id, sign(body)).expectError(401, "invalid_signature");
        webhook(body, "ping", id, "sha256=" + "0".repeat(64)).expectError(401, "invalid_signature");
        webhook(body, null, id, sign(body)).expectError(400, "validation_error");
        webhook(body, "ping", null, sign(body)).expectError(400, "validation_error");
        assertThat(deliveryStatus(id)).isNull();

        // 25 MiB, GitHub's cap, of an event Gantry ignores: accepted (and never parsed)
        byte[] big = padded(25 * 1024 * 1024);
        String bigId = UUID.randomUUID().toString();
        webhook(big, "gollum", bigId, sign(big)).expect(200);
        assertThat(deliveryStatus(bigId)).isEqualTo("completed");
        // one byte more: the function's 413
        byte[] tooBig = padded(25 * 1024 * 1024 + 1);
        webhook(tooBig, "gollum", UUID.randomUUID().toString(), sign(tooBig)).expectError(413, "payload_too_large");
    }

    /** A JSON object of exactly {@code size} bytes. */
    private static byte[] padded(int size) {
        byte[] head = "{\"action\":\"created\",\"padding\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[size];
        System.arraycopy(head, 0, out, 0, head.length);
        Arrays.fill(out, head.length, size - 2, (byte) 'x');
        out[size - 2] = '"';
        out[size - 1] = '}';
        return out;
    }
}

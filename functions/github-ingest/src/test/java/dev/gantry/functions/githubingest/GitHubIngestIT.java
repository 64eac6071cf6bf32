package dev.gantry.functions.githubingest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.github.DeployEvents;
import dev.gantry.shared.github.GitHubDeliveries;
import dev.gantry.shared.github.GitHubEventProcessor;
import dev.gantry.shared.github.GitHubEvents;
import dev.gantry.shared.github.WebhookSignature;
import dev.gantry.shared.platform.InstallationRepository;
import dev.gantry.shared.platform.RepoRepository;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.Http;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiver through its real handler on DynamoDB Local: verification, the delivery record and
 * the outbox message in one transaction, duplicates; then the worker's processor on the messages
 * the receiver sent (captured instead of SQS), with its effects on the table.
 */
class GitHubIngestIT {
    private static final ObjectMapper EVENTS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final byte[] SECRET = TestStack.SECRETS.get("gantry/github-webhook-secret").getBytes(StandardCharsets.UTF_8);

    private static Wiring wiring;
    private static GitHubIngestHandler handler;
    private static GitHubEventProcessor processor;
    private static final List<String> sent = new CopyOnWriteArrayList<>();
    private static final List<GitHubEvents.Event> deployCalls = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean deployFails = new AtomicBoolean();

    @BeforeAll
    static void start() {
        wiring = TestStack.newWiring(Clock.systemUTC(), null);
        wiring.queueSender((queue, body, delay) -> {
            assertThat(queue).isEqualTo("github-events");
            sent.add(body);
        });
        wiring.deployEvents(new DeployEvents() {
            @Override public void onPush(GitHubEvents.Push p) {
                if (deployFails.get()) throw new IllegalStateException("deploy service down");
                deployCalls.add(p);
            }
            @Override public void onWorkflowRun(GitHubEvents.WorkflowRun r) { deployCalls.add(r); }
        });
        handler = new GitHubIngestHandler(wiring);
        processor = wiring.gitHubEventProcessor();
    }

    @BeforeEach
    void clear() {
        sent.clear();
        deployCalls.clear();
        deployFails.set(false);
    }

    private static APIGatewayV2HTTPResponse deliver(String event, String deliveryId, String body) {
        return deliver(event, deliveryId, body, WebhookSignature.sign(SECRET, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static APIGatewayV2HTTPResponse deliver(String event, String deliveryId, String body, String signature) {
        Map<String, String> h = new HashMap<>();
        h.put("x-github-event", event);
        h.put("x-github-delivery", deliveryId);
        h.put("x-hub-signature-256", signature);
        h.put("user-agent", "GitHub-Hookshot/test");
        return handler.handleRequest(Http.event("POST", "/webhooks/github", body, h), null);
    }

    private static void drain() {
        List<String> batch = new ArrayList<>(sent);
        sent.clear();
        batch.forEach(processor::process);
    }

    private static String status(String deliveryId) {
        return wiring.gitHubDeliveries().status(deliveryId);
    }

    @Test
    void theSampleEventIsAcceptedEnqueuedAndItsPushReachesTheDeployService() throws IOException {
        APIGatewayV2HTTPEvent event;
        try (InputStream in = GitHubIngestIT.class.getResourceAsStream("/events/github-ingest/push.json")) {
            assertThat(in).as("events/github-ingest/push.json").isNotNull();
            event = EVENTS.readValue(in, APIGatewayV2HTTPEvent.class);
        }
        var r = handler.handleRequest(event, null);
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        assertThat(Http.json(r).toString()).isEqualTo("{\"ok\":true}");
        String id = event.getHeaders().get("x-github-delivery");
        assertThat(status(id)).isEqualTo("received");
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).length()).as("an extract, not the payload").isLessThan(event.getBody().length() / 4);
        drain();
        assertThat(status(id)).isEqualTo("completed");
        var push = (GitHubEvents.Push) deployCalls.get(0);
        assertThat(push.repoFullName()).isEqualTo("Codertocat/Hello-World");
        assertThat(push.branch()).isEqualTo("master");
        assertThat(push.installationId()).isEqualTo(1L);
        assertThat(push.afterSha()).isEqualTo("6113728f27ae82c7b1a177c8d03f9e96e0adf246");

        // the delivery item has a TTL of about 30 days
        var item = wiring.table().get(Keys.githubDelivery(id), true);
        assertThat(Attr.num(item, "ttl")).isBetween(Instant.now().plusSeconds(29L * 86400).getEpochSecond(),
                Instant.now().plusSeconds(31L * 86400).getEpochSecond());

        // the same event again (GitHub's redelivery): duplicate, nothing sent
        var again = handler.handleRequest(event, null);
        assertThat(Http.json(again).toString()).isEqualTo("{\"ok\":true,\"duplicate\":true}");
        assertThat(sent).isEmpty();

        // API Gateway may hand the body over base64-encoded: the signature is over the decoded bytes
        event.setBody(Base64.getEncoder().encodeToString(event.getBody().getBytes(StandardCharsets.UTF_8)));
        event.setIsBase64Encoded(true);
        event.getHeaders().put("x-github-delivery", UUID.randomUUID().toString());
        assertThat(handler.handleRequest(event, null).getStatusCode()).isEqualTo(200);
        assertThat(sent).hasSize(1);
    }

    @Test
    void signatureAndHeaderChecks() {
        String body = "{\"zen\":\"Approachable is better than simple.\",\"hook_id\":1}";
        String id = UUID.randomUUID().toString();
        var noSig = deliver("ping", id, body, null);
        assertThat(noSig.getStatusCode()).isEqualTo(401);
        assertThat(Http.json(noSig).get("error").asText()).isEqualTo("invalid_signature");
        var wrongSecret = deliver("ping", id, body, WebhookSignature.sign("another secret".getBytes(StandardCharsets.UTF_8), body.getBytes()));
        assertThat(wrongSecret.getStatusCode()).isEqualTo(401);
        var otherBytes = deliver("ping", id, body + " ", WebhookSignature.sign(SECRET, body.getBytes()));
        assertThat(otherBytes.getStatusCode()).isEqualTo(401);
        assertThat(Http.json(otherBytes).toString()).doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
        // the signature is checked before the JSON is parsed: unsigned garbage is a 401, not a 400
        assertThat(deliver("ping", id, "{not json", "sha256=" + "0".repeat(64)).getStatusCode()).isEqualTo(401);
        assertThat(status(id)).as("nothing recorded").isNull();

        var noEvent = deliver(null, id, body);
        assertThat(noEvent.getStatusCode()).isEqualTo(400);
        assertThat(Http.json(noEvent).get("error").asText()).isEqualTo("validation_error");
        assertThat(noEvent.getBody()).contains("X-GitHub-Event");
        var noDelivery = deliver("ping", null, body);
        assertThat(noDelivery.getStatusCode()).isEqualTo(400);
        assertThat(noDelivery.getBody()).contains("X-GitHub-Delivery");
        assertThat(deliver("ping", "../../etc", body).getStatusCode()).isEqualTo(400);

        // signed but not JSON, signed but missing a required field
        assertThat(Http.json(deliver("ping", id, "{not json")).get("error").asText()).isEqualTo("malformed_json");
        var missing = deliver("push", id, "{\"ref\":\"refs/heads/main\"}");
        assertThat(missing.getStatusCode()).isEqualTo(400);
        assertThat(missing.getBody()).contains("repository.full_name");
        assertThat(status(id)).isNull();
        assertThat(sent).isEmpty();
    }

    @Test
    void anIgnoredEventIsRecordedCompletedAndNotParsed() {
        String id = UUID.randomUUID().toString();
        var r = deliver("star", id, "{\"action\":\"created\", \"this is\": [not, parsed]}");
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(Http.json(r).toString()).isEqualTo("{\"ok\":true}");
        assertThat(status(id)).isEqualTo("completed");
        assertThat(sent).isEmpty();
        assertThat(Http.json(deliver("star", id, "{}")).get("duplicate").asBoolean()).isTrue();
    }

    @Test
    void aFailedProcessingLeavesTheDeliveryReceivedAndARedeliveryIsProcessedAgain() {
        String id = UUID.randomUUID().toString();
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"abc\",\"repository\":{\"full_name\":\"acme/api\"}}";
        assertThat(deliver("push", id, body).getStatusCode()).isEqualTo(200);
        deployFails.set(true);
        String message = sent.remove(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> processor.process(message)).hasMessageContaining("deploy service down");
        assertThat(status(id)).isEqualTo("received");

        deployFails.set(false);
        var redelivered = deliver("push", id, body);
        assertThat(Http.json(redelivered).toString()).as("seen but never completed: processed again").isEqualTo("{\"ok\":true}");
        drain();
        assertThat(status(id)).isEqualTo("completed");
        assertThat(deployCalls).hasSize(1);

        // the first message arrives again (SQS at-least-once): the delivery is completed, nothing happens twice
        processor.process(message);
        assertThat(deployCalls).hasSize(1);
    }

    @Test
    void installationEventsRecordReposAndUnlink() {
        long installationId = 900_000 + (long) (Math.random() * 100_000);
        var p = wiring.platform();
        Tx tx = new Tx(p.table());
        p.installations().link(tx, new InstallationRepository.Installation(installationId, "ws_test", "acme", "Organization", "active",
                Instant.now(), "usr_test"));
        tx.commit();
        deliver("installation", UUID.randomUUID().toString(), "{\"action\":\"created\",\"installation\":{\"id\":" + installationId
                + ",\"account\":{\"login\":\"acme\",\"type\":\"Organization\"}},\"repositories\":[{\"full_name\":\"acme/one\"}]}");
        deliver("installation_repositories", UUID.randomUUID().toString(), "{\"action\":\"added\",\"installation\":{\"id\":" + installationId
                + "},\"repositories_added\":[{\"full_name\":\"acme/two\"},{\"full_name\":\"acme/three\"}],\"repositories_removed\":[]}");
        drain();
        assertThat(p.installations().reposOf(installationId)).containsExactlyInAnyOrder("acme/one", "acme/two", "acme/three");
        deliver("installation_repositories", UUID.randomUUID().toString(), "{\"action\":\"removed\",\"installation\":{\"id\":" + installationId
                + "},\"repositories_removed\":[{\"full_name\":\"acme/two\"}]}");
        deliver("installation", UUID.randomUUID().toString(), "{\"action\":\"suspend\",\"installation\":{\"id\":" + installationId + "}}");
        drain();
        assertThat(p.installations().reposOf(installationId)).containsExactlyInAnyOrder("acme/one", "acme/three");
        assertThat(p.installations().get(installationId).status()).isEqualTo("suspended");
        deliver("installation", UUID.randomUUID().toString(), "{\"action\":\"deleted\",\"installation\":{\"id\":" + installationId + "}}");
        drain();
        assertThat(p.installations().get(installationId)).isNull();
        assertThat(p.installations().reposOf(installationId)).isEmpty();
    }

    private static RepoRepository.Repo connect(String workspaceId, String fullName) {
        var p = wiring.platform();
        String id = "repo_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
        var repo = new RepoRepository.Repo(id, workspaceId, fullName, 0, "pending", "sc_x", null, null, Instant.now(), 1);
        Tx tx = new Tx(p.table());
        p.repos().create(tx, repo);
        tx.commit();
        return repo;
    }

    @Test
    void repositoryRenamedMovesTheNameInEveryWorkspaceAndDeletedMarksTheRepo() {
        var p = wiring.platform();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        var a = connect("ws_a", "Acme/old-" + suffix);
        var b = connect("ws_b", "acme/OLD-" + suffix);
        assertThat(p.repos().byFullName("ACME/old-" + suffix)).extracting(RepoRepository.Repo::id).containsExactlyInAnyOrder(a.id(), b.id());

        String renamed = "{\"action\":\"renamed\",\"changes\":{\"repository\":{\"name\":{\"from\":\"old-" + suffix + "\"}}},"
                + "\"repository\":{\"name\":\"new-" + suffix + "\",\"full_name\":\"Acme/new-" + suffix + "\",\"owner\":{\"login\":\"Acme\"}}}";
        String id = UUID.randomUUID().toString();
        deliver("repository", id, renamed);
        String message = sent.get(0);
        drain();
        assertThat(p.repos().get(a.id()).fullName()).isEqualTo("Acme/new-" + suffix);
        assertThat(p.repos().get(a.id()).version()).isEqualTo(2);
        assertThat(p.repos().get(b.id()).fullName()).isEqualTo("Acme/new-" + suffix);
        assertThat(p.repos().byFullName("acme/old-" + suffix)).isEmpty();
        assertThat(p.repos().byFullName("acme/new-" + suffix)).hasSize(2);
        // the per-workspace name claim moved: the old name can be connected again, the new one cannot
        assertThat(wiring.table().get(Keys.repoName("ws_a", "acme/old-" + suffix), true)).isNull();
        assertThat(wiring.table().get(Keys.repoName("ws_a", "acme/new-" + suffix), true)).isNotNull();

        // the same message again, after the delivery completed: nothing happens
        processor.process(message);
        assertThat(p.repos().get(a.id()).version()).isEqualTo(2);

        // deleted on GitHub: kept, marked
        deliver("repository", UUID.randomUUID().toString(), "{\"action\":\"deleted\",\"repository\":{\"full_name\":\"acme/new-" + suffix + "\"}}");
        drain();
        var item = wiring.table().get(Keys.repo(a.id()), true);
        assertThat(Attr.str(item, "github_status")).isEqualTo("deleted");
        assertThat(Attr.str(wiring.table().get(Keys.repo(b.id()), true), "github_status")).isEqualTo("deleted");

        // disconnecting removes the by-name item
        Tx tx = new Tx(p.table());
        p.repos().delete(tx, p.repos().get(a.id()), null);
        tx.commit();
        assertThat(p.repos().byFullName("acme/new-" + suffix)).extracting(RepoRepository.Repo::id).containsExactly(b.id());
    }

    @Test
    void pingAndWorkflowRun() {
        String ping = UUID.randomUUID().toString();
        deliver("ping", ping, "{\"zen\":\"Speak like a human.\",\"hook_id\":7,\"hook\":{\"type\":\"App\"}}");
        String run = UUID.randomUUID().toString();
        deliver("workflow_run", run, "{\"action\":\"completed\",\"repository\":{\"full_name\":\"a/b\"},\"installation\":{\"id\":3},"
                + "\"workflow_run\":{\"id\":99,\"head_sha\":\"abc\",\"head_branch\":\"main\",\"status\":\"completed\",\"conclusion\":\"failure\"}}");
        drain();
        assertThat(status(ping)).isEqualTo(GitHubDeliveries.COMPLETED);
        assertThat(status(run)).isEqualTo(GitHubDeliveries.COMPLETED);
        assertThat(deployCalls).singleElement().isInstanceOfSatisfying(GitHubEvents.WorkflowRun.class, w -> {
            assertThat(w.runId()).isEqualTo(99);
            assertThat(w.conclusion()).isEqualTo("failure");
        });
    }
}

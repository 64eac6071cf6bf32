package dev.gantry.shared.queues;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transactional outbox against DynamoDB Local and ElasticMQ: a message written with a change
 * reaches its queue even when the writer's own send fails, through the relay's sweep, and a
 * change that does not commit sends nothing.
 */
class OutboxIT {
    private final SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
            .endpointOverride(TestStack.emulators().sqsEndpoint())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
    private final String queueUrl = sqs.createQueue(b -> b.queueName("outbox-it-" + UUID.randomUUID())).queueUrl();
    private final SqsQueueSender realSender = new SqsQueueSender(sqs, Map.of("scans", queueUrl));
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final QueueSender flaky = (queue, body, delay) -> {
        if (failuresLeft.getAndDecrement() > 0) throw new IllegalStateException("SQS is down");
        realSender.send(queue, body, delay);
    };
    private final dev.gantry.shared.config.Wiring wiring = TestStack.newWiring(Clock.systemUTC(), null);
    private final Outbox outbox = new Outbox(wiring.table(), flaky, Clock.systemUTC());

    private List<String> receiveAll() {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            got.forEach(m -> {
                bodies.add(m.body());
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            });
            if (!bodies.isEmpty() && got.isEmpty()) break;
        }
        return bodies;
    }

    private Outbox.Message commitChangeWithMessage(String body) {
        Tx tx = new Tx(wiring.table());
        tx.create(new Item(Keys.key("TEST#" + UUID.randomUUID(), "TEST")).s("what", "a change").map(), null);
        Outbox.Message m = outbox.add(tx, "scans", body, 0);
        tx.commit();
        return m;
    }

    @Test
    void theFastPathSendsAndLeavesNothingPending() {
        outbox.publish(List.of(commitChangeWithMessage("{\"n\":1}")));
        assertThat(receiveAll()).containsExactly("{\"n\":1}");
        assertThat(outbox.sweep(Duration.ZERO)).isZero();
    }

    @Test
    void aFailedSendIsDeliveredByTheRelayExactlyOnce() {
        failuresLeft.set(1);
        Outbox.Message m = commitChangeWithMessage("{\"n\":2}");
        outbox.publish(List.of(m)); // SQS is down: logged, left for the relay
        assertThat(wiring.table().get(Keys.outbox(m.id()), true)).isNotNull();
        assertThat(outbox.sweep(Duration.ofMinutes(5))).as("too young: still the writer's").isZero();
        assertThat(outbox.sweep(Duration.ZERO)).isEqualTo(1);
        assertThat(receiveAll()).containsExactly("{\"n\":2}");
        assertThat(wiring.table().get(Keys.outbox(m.id()), true)).isNull();
        assertThat(outbox.sweep(Duration.ZERO)).isZero();
    }

    @Test
    void aChangeThatDoesNotCommitSendsNothing() {
        String taken = "TEST#" + UUID.randomUUID();
        wiring.table().client().putItem(b -> b.tableName(wiring.table().name()).item(Map.of(Keys.PK, Attr.s(taken), Keys.SK, Attr.s("TEST"))));
        Tx tx = new Tx(wiring.table());
        tx.create(new Item(Keys.key(taken, "TEST")).map(), () -> new IllegalStateException("exists"));
        outbox.add(tx, "scans", "{\"n\":3}", 0);
        try {
            tx.commit();
        } catch (IllegalStateException expected) {
            // the change failed, and its message with it
        }
        assertThat(outbox.sweep(Duration.ZERO)).isZero();
        assertThat(receiveAll()).isEmpty();
    }

    @Test
    void theStreamRelaySendsAMessageItsWriterNeverSentAndOnlyOnce() {
        failuresLeft.set(1);
        Outbox.Message m = commitChangeWithMessage("{\"n\":4}");
        outbox.publish(List.of(m)); // the writer's send fails: the item stays
        assertThat(outbox.relay(m.id())).isTrue();
        assertThat(outbox.relay(m.id())).as("a second stream delivery of the same insert").isFalse();
        assertThat(receiveAll()).containsExactly("{\"n\":4}");
        assertThat(wiring.table().get(Keys.outbox(m.id()), true)).isNull();
    }

    @Test
    void theStreamRelayLeavesAMessageItsWriterSentAlone() {
        Outbox.Message m = commitChangeWithMessage("{\"n\":5}");
        outbox.publish(List.of(m));
        assertThat(outbox.relay(m.id())).isFalse();
        assertThat(receiveAll()).containsExactly("{\"n\":5}");
        assertThat(Outbox.idOfKey("OUTBOX#" + m.id())).isEqualTo(m.id());
        assertThat(Outbox.idOfKey("REPO#x")).isNull();
    }
}

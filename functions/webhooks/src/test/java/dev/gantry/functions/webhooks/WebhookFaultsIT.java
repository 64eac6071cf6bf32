package dev.gantry.functions.webhooks;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.MovableClock;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import dev.gantry.shared.webhooks.Events;
import dev.gantry.shared.webhooks.WebhookDispatcher.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Outbound webhooks under process deaths (API.md §11: an event is never lost, a delivery is never
 * stuck, and a receiver sees the same {@code webhook-id} for every POST of one delivery). A "killed"
 * process is a second {@link Wiring} over the same table whose DynamoDB client throws once at a
 * chosen call; its unacknowledged queue message is then handed to a fresh Wiring, as SQS would
 * after the visibility timeout. Every test asserts what the real loopback receiver saw.
 */
class WebhookFaultsIT {
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    /** The queues' visibility timeout: an unacknowledged message comes back after it. */
    static final Duration VISIBILITY = Duration.ofSeconds(60);

    MovableClock clock;
    Wiring wiring;
    WebhooksClient api;
    Receivers receivers;

    @BeforeEach
    void start() throws Exception {
        clock = new MovableClock();
        clock.now = Instant.now();
        receivers = new Receivers();
        wiring = TestStack.newWiring(clock, null, Map.of("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true"));
        wiring.webhookAttemptTimeout(ATTEMPT_TIMEOUT);
        api = new WebhooksClient(wiring);
        api.signup(Plan.PRO);
    }

    @AfterEach
    void stop() {
        receivers.close();
    }

    /** Another process over the same table (new wiring, empty caches), its DynamoDB client running {@code interceptors}. */
    Wiring process(ExecutionInterceptor... interceptors) {
        return new Wiring(wiring.config(), clock, TestStack.secrets(), List.of(interceptors))
                .queueSender(api).webhookAttemptTimeout(ATTEMPT_TIMEOUT);
    }

    /** An interceptor that kills the process once, at the first DynamoDB call {@code at} matches (before it reaches the table). */
    static ExecutionInterceptor killOnce(AtomicBoolean killed, Predicate<SdkRequest> at) {
        return new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (at.test(context.request()) && killed.compareAndSet(false, true)) {
                    throw new IllegalStateException("the dispatcher process was killed");
                }
            }
        };
    }

    String endpoint(String url) {
        return api.call("POST", "/v1/webhook-endpoints", "{\"url\":\"" + url + "\",\"events\":[\"*\"]}").expect(201).text("/id");
    }

    Reply deliveries(String endpointId) {
        return api.call("GET", "/v1/webhook-endpoints/" + endpointId + "/deliveries", null).expect(200);
    }

    /** Emits an event whose fan-out has run; answers the body of its one delivery message (not yet run). */
    String deliveryMessage() {
        api.emit("deploy.succeeded", Map.of("deploy_id", "dep_1"));
        var fanout = api.take();
        assertThat(fanout).hasSize(1);
        assertThat(wiring.webhookDispatcher().fanOut(fanout.get(0).body())).isEqualTo(1);
        var msgs = api.take();
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).queue()).isEqualTo(Events.DELIVERIES_QUEUE);
        return msgs.get(0).body();
    }

    static List<String> ids(List<Receivers.Received> got) {
        return got.stream().map(r -> r.header("webhook-id")).toList();
    }

    // --- 1. the outbox: killed between the commit and the publish --------------------------------

    @Test
    void anEventCommittedButNeverPublishedIsRelayedByTheStreamRelayAndDeliveredOnce() {
        String url = receivers.add("/relayed", n -> Receivers.Answer.of(200));
        String e = endpoint(url);

        // the state change and its event commit; the process dies before it publishes
        Tx tx = new Tx(wiring.table());
        Outbox.Message m = wiring.events().emit(tx, api.workspaceId, "deploy.succeeded", Map.of("deploy_id", "dep_relay"));
        tx.commit();
        assertThat(api.take()).as("nothing was published").isEmpty();

        // the stream relay (another process) sees the outbox item inserted: claim, send, delete
        Outbox relay = process().webhooks().outbox();
        assertThat(relay.relay(m.id())).isTrue();
        var sent = api.take();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).queue()).isEqualTo(Events.FANOUT_QUEUE);
        assertThat(sent.get(0).body()).isEqualTo(m.body());
        // the same stream record again (Streams are at-least-once too), or a second relay: nothing sent
        assertThat(relay.relay(m.id())).isFalse();
        assertThat(process().webhooks().outbox().relay(m.id())).isFalse();
        assertThat(api.take()).isEmpty();
        // nor by the sweep later: the item is gone
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertThat(process().webhooks().outbox().sweep(Duration.ofSeconds(30))).isZero();
        assertThat(api.take()).isEmpty();

        // fan-out and delivery run: the receiver gets it exactly once
        api.sent.addAll(sent);
        api.drain();
        var got = receivers.at("/relayed");
        assertThat(got).hasSize(1);
        Reply d = deliveries(e);
        assertThat(d.json().get("data")).hasSize(1);
        assertThat(d.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(got.get(0).header("webhook-id")).isEqualTo(d.text("/data/0/id"));
        // the fan-out message again (a late duplicate) creates and sends nothing
        api.sent.addAll(sent);
        api.drain();
        assertThat(receivers.at("/relayed")).hasSize(1);
    }

    @Test
    void anEventCommittedButNeverPublishedIsSentByTheSweepAndDeliveredOnce() {
        String url = receivers.add("/swept", n -> Receivers.Answer.of(204));
        String e = endpoint(url);

        Tx tx = new Tx(wiring.table());
        Outbox.Message m = wiring.events().emit(tx, api.workspaceId, "deploy.failed", Map.of("deploy_id", "dep_sweep"));
        tx.commit();
        assertThat(api.take()).isEmpty();

        // the stream relay never saw it (or failed); the scheduled sweep is the backstop
        Outbox sweeper = process().webhooks().outbox();
        assertThat(sweeper.sweep(Duration.ofSeconds(30))).as("too young: maybe still in its writer's fast path").isZero();
        clock.now = clock.now.plusSeconds(31);
        assertThat(sweeper.sweep(Duration.ofSeconds(30))).isEqualTo(1);
        var sent = api.take();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).queue()).isEqualTo(Events.FANOUT_QUEUE);
        assertThat(sent.get(0).body()).isEqualTo(m.body());
        // a second sweep, and the stream relay coming late, send nothing
        assertThat(sweeper.sweep(Duration.ofSeconds(30))).isZero();
        assertThat(sweeper.relay(m.id())).isFalse();
        assertThat(api.take()).isEmpty();

        api.sent.addAll(sent);
        api.drain();
        var got = receivers.at("/swept");
        assertThat(got).hasSize(1);
        Reply d = deliveries(e);
        assertThat(d.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(got.get(0).header("webhook-id")).isEqualTo(d.text("/data/0/id"));
    }

    // --- 2. the dispatcher killed mid-delivery ---------------------------------------------------

    @Test
    void killedAfterThePostBeforeTheOutcomeIsRecordedTheRedeliveryRepeatsItWithTheSameWebhookId() {
        String url = receivers.add("/after-post", n -> Receivers.Answer.of(200));
        String e = endpoint(url);
        String body = deliveryMessage();

        // claimed, POSTed, then killed at the write that records the outcome
        AtomicBoolean killed = new AtomicBoolean();
        Wiring doomed = process(killOnce(killed, r -> r instanceof TransactWriteItemsRequest t && t.toString().contains("delivery_attempt")));
        assertThatThrownBy(() -> doomed.webhookDispatcher().deliver(body)).hasMessageContaining("killed");
        assertThat(killed).isTrue();
        assertThat(receivers.at("/after-post")).hasSize(1);
        Reply stuck = deliveries(e);
        assertThat(stuck.text("/data/0/status")).isEqualTo("pending");
        assertThat(stuck.json().at("/data/0/attempts").asInt()).isZero();
        String deliveryId = stuck.text("/data/0/id");
        assertThat(wiring.webhooks().deliveries().attempts(deliveryId)).isEmpty();

        // a copy that comes back while the dead process's lease still runs is not dropped (nor sent): it waits for the lease
        Instant crashedAt = clock.now;
        clock.now = crashedAt.plusSeconds(5);
        assertThat(process().webhookDispatcher().deliver(body)).isEqualTo(Outcome.IN_FLIGHT);
        var waiting = api.take();
        assertThat(waiting).hasSize(1);
        assertThat(waiting.get(0).body()).isEqualTo(body);
        Instant leaseEnd = crashedAt.plus(ATTEMPT_TIMEOUT).plusSeconds(20);
        assertThat(clock.now.plusSeconds(waiting.get(0).delaySeconds())).isAfter(leaseEnd);
        assertThat(receivers.at("/after-post")).hasSize(1);

        // the unacknowledged message comes back after the visibility timeout (past the lease) to a fresh process
        clock.now = crashedAt.plus(VISIBILITY).plusSeconds(1);
        assertThat(process().webhookDispatcher().deliver(body)).isEqualTo(Outcome.SUCCEEDED);
        // the delayed copy too, later: a duplicate now
        assertThat(process().webhookDispatcher().deliver(waiting.get(0).body())).isEqualTo(Outcome.DUPLICATE);
        api.drain();

        // at least once, same webhook-id: the receiver can deduplicate
        var got = receivers.at("/after-post");
        assertThat(got).hasSize(2);
        assertThat(ids(got)).containsOnly(deliveryId);
        Reply done = deliveries(e);
        assertThat(done.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(done.json().at("/data/0/attempts").asInt()).isEqualTo(1);
        assertThat(done.json().at("/data/0/last_status_code").asInt()).isEqualTo(200);
        var attempts = wiring.webhooks().deliveries().attempts(deliveryId);
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).number()).isEqualTo(1);
        assertThat(attempts.get(0).statusCode()).isEqualTo(200);
        assertThat(api.take()).as("no further attempt scheduled").isEmpty();
    }

    @Test
    void killedBeforeThePostTheRedeliverySendsExactlyOne() {
        String url = receivers.add("/before-post", n -> Receivers.Answer.of(200));
        String e = endpoint(url);
        String body = deliveryMessage();

        // killed at the claim write: nothing was claimed, nothing sent
        AtomicBoolean killed = new AtomicBoolean();
        Wiring doomed = process(killOnce(killed, r -> r instanceof UpdateItemRequest u && "SET lease_until = :lease".equals(u.updateExpression())));
        assertThatThrownBy(() -> doomed.webhookDispatcher().deliver(body)).hasMessageContaining("killed");
        assertThat(killed).isTrue();
        assertThat(receivers.at("/before-post")).isEmpty();
        assertThat(deliveries(e).text("/data/0/status")).isEqualTo("pending");

        clock.now = clock.now.plus(VISIBILITY).plusSeconds(1);
        assertThat(process().webhookDispatcher().deliver(body)).isEqualTo(Outcome.SUCCEEDED);
        // SQS may still hand over another copy: nothing more
        assertThat(process().webhookDispatcher().deliver(body)).isEqualTo(Outcome.DUPLICATE);
        api.drain();

        var got = receivers.at("/before-post");
        assertThat(got).hasSize(1);
        Reply done = deliveries(e);
        assertThat(got.get(0).header("webhook-id")).isEqualTo(done.text("/data/0/id"));
        assertThat(done.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(done.json().at("/data/0/attempts").asInt()).isEqualTo(1);
        assertThat(wiring.webhooks().deliveries().attempts(done.text("/data/0/id"))).hasSize(1);
    }

    @Test
    void aDuplicateMessageWhileTheFirstIsInFlightSendsNothingExtra() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger requests = new AtomicInteger();
        String url = receivers.add("/in-flight", n -> {
            requests.incrementAndGet();
            arrived.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return Receivers.Answer.of(200);
        });
        String e = endpoint(url);
        String body = deliveryMessage();

        // process A is in the middle of the POST (the receiver holds it)
        Wiring a = process();
        a.webhooks(); // built before the clock moves (its attempt timeout is fixed by then)
        var pool = Executors.newSingleThreadExecutor();
        try {
            var first = pool.submit(() -> a.webhookDispatcher().deliver(body));
            assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

            // process B gets a duplicate of the message meanwhile: the claim holds, nothing is sent
            Outcome dup = process().webhookDispatcher().deliver(body);
            assertThat(dup).isEqualTo(Outcome.IN_FLIGHT);
            assertThat(requests.get()).isEqualTo(1);
            var putBack = api.take();
            assertThat(putBack).hasSize(1);

            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.SUCCEEDED);

            // the duplicate comes back once the lease has run out: the attempt has finished, it is dropped
            clock.now = clock.now.plusSeconds(putBack.get(0).delaySeconds());
            assertThat(process().webhookDispatcher().deliver(putBack.get(0).body())).isEqualTo(Outcome.DUPLICATE);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        api.drain();

        var got = receivers.at("/in-flight");
        assertThat(got).hasSize(1);
        assertThat(requests.get()).isEqualTo(1);
        Reply done = deliveries(e);
        assertThat(got.get(0).header("webhook-id")).isEqualTo(done.text("/data/0/id"));
        assertThat(done.text("/data/0/status")).isEqualTo("succeeded");
        assertThat(done.json().at("/data/0/attempts").asInt()).isEqualTo(1);
    }
}

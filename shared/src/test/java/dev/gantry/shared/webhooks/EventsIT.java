package dev.gantry.shared.webhooks;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Tx;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Events#emit} joins the caller's transaction: the event and its fan-out message commit with
 * the state change or not at all, and a writer that dies before publishing leaves the message to
 * the outbox relay, so the event still reaches the fan-out queue.
 */
class EventsIT {
    record Sent(String queue, String body) {}

    final List<Sent> sent = new ArrayList<>();
    final dev.gantry.shared.config.Wiring wiring = TestStack.newWiring(Clock.systemUTC(), null)
            .queueSender((queue, body, delay) -> sent.add(new Sent(queue, body)));

    record DeployData(String deployId, String environmentId) {}

    @Test
    void anEventCommitsWithItsStateChangeAndTheRelaySendsItIfTheWriterDied() {
        String change = "TEST#" + UUID.randomUUID();
        Tx tx = new Tx(wiring.table());
        tx.create(new Item(Keys.key(change, "TEST")).s("status", "succeeded").map(), null);
        Outbox.Message m = wiring.events().emit(tx, "ws_1", "deploy.succeeded", new DeployData("dep_1", "env_1"));
        tx.commit();
        // the writer "dies" here: it never publishes. The relay finds the message and sends it.
        assertThat(sent).isEmpty();
        assertThat(wiring.webhooks().outbox().sweep(Duration.ZERO)).isEqualTo(1);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).queue()).isEqualTo(Events.FANOUT_QUEUE);
        String eventId = Json.readTree(sent.get(0).body()).get("event_id").asText();
        assertThat(sent.get(0).body()).isEqualTo(m.body());

        Events.Event event = Events.get(wiring.table(), eventId);
        assertThat(event.type()).isEqualTo("deploy.succeeded");
        assertThat(event.workspaceId()).isEqualTo("ws_1");
        var payload = Json.readTree(event.payload());
        assertThat(payload.get("type").asText()).isEqualTo("deploy.succeeded");
        assertThat(payload.get("timestamp").asText()).isEqualTo(event.createdAt().toString());
        assertThat(payload.get("data").get("deploy_id").asText()).isEqualTo("dep_1"); // snake_case, as the API writes
        var item = wiring.table().get(Keys.event(eventId), true);
        assertThat(Long.parseLong(item.get(Keys.TTL).n())).isEqualTo(event.createdAt().plus(Events.RETENTION).getEpochSecond());
    }

    @Test
    void aStateChangeThatDoesNotCommitLeavesNoEvent() {
        String change = "TEST#" + UUID.randomUUID();
        wiring.table().client().putItem(b -> b.tableName(wiring.table().name()).item(new Item(Keys.key(change, "TEST")).map()));
        Tx tx = new Tx(wiring.table());
        tx.create(new Item(Keys.key(change, "TEST")).map(), () -> ApiException.conflict("conflict", "exists"));
        wiring.events().emit(tx, "ws_1", "environment.deleted", Map.of("environment_id", "env_1"));
        assertThatThrownBy(tx::commit).isInstanceOf(ApiException.class);
        assertThat(wiring.webhooks().outbox().sweep(Duration.ZERO)).isZero();
        assertThat(sent).isEmpty();
    }

    @Test
    void unknownTypesAreAProgrammingError() {
        Tx tx = new Tx(wiring.table());
        assertThatThrownBy(() -> wiring.events().emit(tx, "ws_1", "deploy.exploded", Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> wiring.events().emit(tx, "ws_1", "deploy.started", Map.of("big", "x".repeat(Events.MAX_PAYLOAD_BYTES))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.gantry.bench;

import dev.gantry.bench.ColdStartBench.Options;
import dev.gantry.bench.ColdStartBench.Scenario;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptionsTest {
    @Test
    void defaultsAreTenRunsOfEveryFunctionsEventsUnderEveryVariant() {
        Options o = Options.parse(new String[0]);
        assertThat(o.runs()).isEqualTo(10);
        assertThat(o.variants()).containsExactly(Variant.DEFAULT, Variant.C1, Variant.SNAPSHOT, Variant.PRIMED);
        assertThat(o.functions()).containsExactly("identity", "platform", "github-ingest", "webhooks", "workers");
        assertThat(o.compare()).isEmpty();
        List<Scenario> scenarios = o.scenarios();
        assertThat(scenarios).extracting(Scenario::id).containsExactly("identity/health.json", "identity/me.json",
                "platform/repos-list.json", "platform/repo-get.json", "github-ingest/push.json", "webhooks/endpoints-list.json",
                "webhooks/deliveries-list.json", "workers/webhook-delivery.json", "workers/outbox-relay.json", "workers/outbox-stream-relay.json");
        // every default event file exists, and each worker event goes to its worker's handler
        assertThat(scenarios).allSatisfy(s -> assertThat(s.event()).isRegularFile());
        assertThat(scenarios).filteredOn(s -> s.function().equals("workers")).extracting(Scenario::handlerClass).containsExactly(
                "dev.gantry.functions.workers.WebhookDeliveryHandler", "dev.gantry.functions.workers.OutboxRelayHandler",
                "dev.gantry.functions.workers.OutboxStreamRelayHandler");
        assertThat(scenarios.get(0).handlerClass()).isEqualTo("dev.gantry.functions.identity.IdentityHandler");
    }

    @Test
    void flags() {
        Options o = Options.parse(new String[]{"--runs", "3", "--warmup", "0", "--variants", "c1,c1-primed", "--functions", "workers,identity",
                "--compare", "before=/tmp/before", "--compare", "other=/tmp/other", "--no-class-histogram", "--breakdown-runs", "0", "--details"});
        assertThat(o.runs()).isEqualTo(3);
        assertThat(o.warmup()).isZero();
        assertThat(o.variants()).containsExactly(Variant.C1, Variant.PRIMED);
        assertThat(o.compare().keySet()).containsExactly("before", "other"); // in the order given: the report's order
        assertThat(o.classHistogram()).isFalse();
        assertThat(o.breakdownRuns()).isZero();
        assertThat(o.details()).isTrue();
        // scenarios follow the catalog's order, not the flag's
        assertThat(o.scenarios()).extracting(Scenario::function).containsSubsequence("identity", "workers").doesNotContain("platform");
        assertThat(o.compareJar(Path.of("/tmp/before"), "identity")).isEqualTo(Path.of("/tmp/before/functions/identity/target/identity.jar"));
    }

    @Test
    void anEventNamesItsFunctionByItsDirectory() {
        Options o = Options.parse(new String[]{"--event", "events/identity/plans-list.json", "--event", "events/workers/outbox-relay.json"});
        assertThat(o.scenarios()).extracting(Scenario::id).containsExactly("identity/plans-list.json", "workers/outbox-relay.json");
        assertThat(o.scenarios().get(1).worker()).isEqualTo("outbox-relay");
        assertThatThrownBy(() -> Options.parse(new String[]{"--event", "/tmp/elsewhere/x.json"}).scenarios())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("events/<function>/");
        assertThatThrownBy(() -> Options.parse(new String[]{"--event", "events/workers/no-such-worker.json"}).scenarios())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker's name");
    }

    @Test
    void badFlagsSayWhy() {
        for (List<String> args : List.of(List.of("--runs", "0"), List.of("--runs", "x"), List.of("--variants", "c2"),
                List.of("--compare", "nolabel"), List.of("--compare", "a b=/x"), List.of("--functions", "billing"), List.of("--frobnicate"),
                List.of("--runs"))) {
            assertThatThrownBy(() -> Options.parse(args.toArray(String[]::new))).as("%s", args).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

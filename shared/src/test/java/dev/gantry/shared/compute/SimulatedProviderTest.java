package dev.gantry.shared.compute;

import dev.gantry.shared.compute.ComputeProvider.CreateServer;
import dev.gantry.shared.compute.ComputeProvider.Server;
import dev.gantry.shared.compute.ProviderException.Kind;
import dev.gantry.shared.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The in-memory provider's lifecycle, moved along by hand on a clock. */
class SimulatedProviderTest {
    static final String TOKEN = "local-dev-token-0123456789";
    final MovableClock clock = new MovableClock();

    @Test
    void tokensAreAcceptedByLengthAndPrefix() {
        SimulatedProvider hetzner = SimulatedProvider.hetzner(clock);

        assertThat(hetzner.verify(TOKEN).defaultRegion()).isEqualTo("fsn1");
        assertThat(catchThrowableOfType(ProviderException.class, () -> hetzner.verify("short")).kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(catchThrowableOfType(ProviderException.class, () -> hetzner.verify("invalid-token-0123456789")).kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(SimulatedProvider.digitalOcean(clock).verify(TOKEN).defaultRegion()).isEqualTo("nyc3");
    }

    @Test
    void aHetznerServerProvisionsRunsAndIsDeleted() {
        SimulatedProvider hetzner = SimulatedProvider.hetzner(clock);

        Server s = hetzner.create(TOKEN, new CreateServer("web-1", "nbg1", "cx22", "ubuntu-24.04", Map.of()));
        assertThat(s.id()).matches("[1-9][0-9]{7}");
        assertThat(s.ipv4()).matches("5\\.75\\.(1[2-9][0-9]|2[0-5][0-9])\\.[0-9]{1,3}");
        assertThat(s.status()).isEqualTo(ComputeProvider.PROVISIONING);
        assertThat(s.region()).isEqualTo("nbg1");

        clock.now = clock.now.plus(Duration.ofMillis(2999));
        assertThat(hetzner.get(TOKEN, s.id()).orElseThrow().status()).isEqualTo(ComputeProvider.PROVISIONING);
        clock.now = clock.now.plus(Duration.ofMillis(1));
        assertThat(hetzner.get(TOKEN, s.id()).orElseThrow().status()).isEqualTo(ComputeProvider.RUNNING);

        hetzner.delete(TOKEN, s.id());
        assertThat(hetzner.get(TOKEN, s.id()).orElseThrow().status()).isEqualTo(ComputeProvider.DELETING);
        clock.now = clock.now.plus(SimulatedProvider.DEFAULT_DELETE_DELAY);
        assertThat(hetzner.get(TOKEN, s.id())).isEmpty();
        hetzner.delete(TOKEN, s.id()); // idempotent
    }

    @Test
    void aDropletHasNoAddressUntilItRuns() {
        SimulatedProvider digitalOcean = SimulatedProvider.digitalOcean(clock, Duration.ofSeconds(10), Duration.ofSeconds(1));

        Server s = digitalOcean.create(TOKEN, new CreateServer("web-1", "fra1", digitalOcean.defaultInstanceType(), "ubuntu-24-04-x64", Map.of()));
        assertThat(s.id()).matches("[1-9][0-9]{8}");
        assertThat(s.ipv4()).isNull();

        clock.now = clock.now.plusSeconds(10);
        Server running = digitalOcean.get(TOKEN, s.id()).orElseThrow();
        assertThat(running.status()).isEqualTo(ComputeProvider.RUNNING);
        assertThat(running.ipv4()).startsWith("164.90.");
        assertThat(digitalOcean.name()).isEqualTo("digitalocean");
    }

    @Test
    void idsAreUniqueAndServersBelongToTheirTokensAccount() {
        SimulatedProvider hetzner = SimulatedProvider.hetzner(clock);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) ids.add(hetzner.create(TOKEN, new CreateServer("s" + i, "fsn1", "cx22", "ubuntu-24.04", Map.of())).id());
        assertThat(ids).hasSize(200);

        String id = ids.iterator().next();
        String other = "another-account-token-000";
        assertThat(hetzner.get(other, id)).isEmpty();
        hetzner.delete(other, id);
        assertThat(hetzner.get(TOKEN, id).orElseThrow().status()).isNotEqualTo(ComputeProvider.DELETING);
    }

    @Test
    void aRunningVmHasDeterministicPlausibleMetricsShapedLikeItsProvider() {
        SimulatedProvider hetzner = SimulatedProvider.hetzner(clock);
        SimulatedProvider digitalOcean = SimulatedProvider.digitalOcean(clock);
        Server h = hetzner.create(TOKEN, new CreateServer("web-1", "fsn1", "cx22", "ubuntu-24.04", Map.of()));
        Server d = digitalOcean.create(TOKEN, new CreateServer("web-2", "nyc3", "s-1vcpu-1gb", "ubuntu-24-04-x64", Map.of()));

        assertThat(hetzner.metrics(TOKEN, h.id(), clock.instant())).contains(ComputeProvider.Metrics.NONE); // still provisioning
        clock.now = clock.now.plus(Duration.ofMinutes(3)).plusSeconds(17);
        ComputeProvider.Metrics hm = hetzner.metrics(TOKEN, h.id(), clock.instant()).orElseThrow();
        assertThat(hm.cpuPct()).isBetween(0.0, 100.0);
        assertThat(hm.memPct()).isNull();
        assertThat(hm.diskPct()).isNull();
        assertThat(hm.collectedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
        assertThat(hetzner.metrics(TOKEN, h.id(), clock.instant())).contains(hm);

        ComputeProvider.Metrics dm = digitalOcean.metrics(TOKEN, d.id(), clock.instant()).orElseThrow();
        assertThat(List.of(dm.cpuPct(), dm.memPct(), dm.diskPct())).allSatisfy(v -> assertThat(v).isBetween(0.0, 100.0));
        var later = digitalOcean.metrics(TOKEN, d.id(), clock.instant().plus(Duration.ofMinutes(4))).orElseThrow();
        assertThat(later.cpuPct()).as("it drifts").isNotEqualTo(dm.cpuPct());

        assertThat(hetzner.metrics(TOKEN, "12345678", clock.instant())).isEmpty();
        assertThat(hetzner.metrics("another-account-token-000", h.id(), clock.instant())).isEmpty();
        assertThatThrownBy(() -> hetzner.metrics("short", h.id(), clock.instant())).isInstanceOf(ProviderException.class);
        hetzner.delete(TOKEN, h.id());
        assertThat(hetzner.metrics(TOKEN, h.id(), clock.instant())).contains(ComputeProvider.Metrics.NONE);
    }

    @Test
    void anUnknownRegionOrTypeIsRejectedAndAnInvalidTokenRefusedEverywhere() {
        SimulatedProvider hetzner = SimulatedProvider.hetzner(clock);
        assertThat(catchThrowableOfType(ProviderException.class,
                () -> hetzner.create(TOKEN, new CreateServer("a", "nyc3", "cx22", "ubuntu-24.04", Map.of()))).kind()).isEqualTo(Kind.REJECTED);
        assertThat(catchThrowableOfType(ProviderException.class,
                () -> hetzner.create(TOKEN, new CreateServer("a", "fsn1", "s-1vcpu-1gb", "ubuntu-24.04", Map.of()))).kind()).isEqualTo(Kind.REJECTED);
        assertThatThrownBy(() -> hetzner.get("invalid-but-long-enough-token", "12345678")).isInstanceOf(ProviderException.class);
        assertThatThrownBy(() -> hetzner.delete("short", "12345678")).isInstanceOf(ProviderException.class);
    }
}

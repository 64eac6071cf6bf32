package dev.gantry.shared.compute;

import dev.gantry.shared.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProvidersTest {

    @Test
    void driversAreFoundByTheirApiNameAndOthersAreUnknown() {
        Providers http = Providers.http(URI.create("http://127.0.0.1:1/h"), URI.create("http://127.0.0.1:1/d"), Retry.none());
        assertThat(http.forName("hetzner")).isInstanceOf(HetznerCloud.class);
        assertThat(http.forName("digitalocean")).isInstanceOf(DigitalOcean.class);
        assertThat(http.names()).containsExactlyInAnyOrder("hetzner", "digitalocean");

        assertThatThrownBy(() -> http.forName("aws<script>"))
                .isInstanceOf(UnknownProviderException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown compute provider; expected one of: digitalocean, hetzner.");
        assertThatThrownBy(() -> http.forName(null)).isInstanceOf(UnknownProviderException.class);
        assertThat(http.knows("Hetzner")).isFalse();
    }

    @Test
    void simulatedProvidersSimulateTheirNamesakes() {
        Providers simulated = Providers.simulated(new MovableClock());
        assertThat(simulated.forName("hetzner").defaultInstanceType()).isEqualTo("cx22");
        assertThat(simulated.forName("digitalocean").defaultInstanceType()).isEqualTo("s-1vcpu-1gb");
    }
}

package dev.gantry.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixturesTest {
    @Test
    void placeholdersAreFoundAndUnknownOnesRefused() {
        assertThat(Fixtures.placeholders("{\"a\":\"Bearer {{token}}\",\"b\":\"/v1/repos/{{repo_id}}\",\"c\":\"{{token}}\"}"))
                .containsExactly("repo_id", "token");
        assertThat(Fixtures.placeholders("{\"path\":\"/v1/repos/{id}\"}")).isEmpty(); // a route key's {id} is not a placeholder
        assertThatThrownBy(() -> Fixtures.placeholders("{{tokn}}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokn");
    }

    @Test
    void eventsWithNewValuesPerRunAreWrittenPerRun() {
        assertThat(Fixtures.perRun("{\"body\":\"{{webhook_delivery_id}}\"}")).isTrue();
        assertThat(Fixtures.perRun("{\"headers\":{\"x-hub-signature-256\":\"sha256=00\"}}")).isTrue();
        assertThat(Fixtures.perRun("{\"headers\":{\"authorization\":\"Bearer {{token}}\"}}")).isFalse();
    }
}

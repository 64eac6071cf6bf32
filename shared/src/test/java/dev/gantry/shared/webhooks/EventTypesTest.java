package dev.gantry.shared.webhooks;

import dev.gantry.shared.ids.Ids;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventTypesTest {
    @Test
    void filtersAreTypesFamiliesOrEverything() {
        assertThat(EventTypes.isValidFilter("deploy.succeeded")).isTrue();
        assertThat(EventTypes.isValidFilter("deploy.*")).isTrue();
        assertThat(EventTypes.isValidFilter("api_key.*")).isTrue();
        assertThat(EventTypes.isValidFilter("*")).isTrue();
        assertThat(EventTypes.isValidFilter("deploy.succeded")).isFalse();
        assertThat(EventTypes.isValidFilter("billing.*")).isFalse();
        assertThat(EventTypes.isValidFilter("deploy*")).isFalse();
        assertThat(EventTypes.isValidFilter("*.*")).isFalse();
        assertThat(EventTypes.isValidFilter("")).isFalse();
    }

    @Test
    void matching() {
        assertThat(EventTypes.matches(List.of("deploy.*"), "deploy.failed")).isTrue();
        assertThat(EventTypes.matches(List.of("deploy.*"), "environment.created")).isFalse();
        assertThat(EventTypes.matches(List.of("repo.scan_completed", "instance.created"), "instance.created")).isTrue();
        assertThat(EventTypes.matches(List.of("*"), "api_key.revoked")).isTrue();
        assertThat(EventTypes.matches(List.of("deploy.succeeded"), "deploy.failed")).isFalse();
    }

    @Test
    void deliveryIdsAreDeterministicWellFormedAndDistinct() {
        String evt = Ids.newId("evt", Instant.parse("2026-11-23T12:00:00Z"));
        String a = DeliveryIds.of(evt, "whe_a");
        assertThat(a).isEqualTo(DeliveryIds.of(evt, "whe_a"));
        assertThat(Ids.isValid("msg", a)).isTrue();
        assertThat(a.substring(4, 14)).isEqualTo(evt.substring(4, 14));
        assertThat(DeliveryIds.of(evt, "whe_b")).isNotEqualTo(a);
        assertThat(DeliveryIds.of(Ids.newId("evt"), "whe_a")).isNotEqualTo(a);
    }
}

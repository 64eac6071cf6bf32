package dev.gantry.shared.ids;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class IdsTest {
    @Test
    void idsArePrefixedLowerCaseUlids() {
        String id = Ids.newId("usr");
        assertThat(id).matches("^usr_[0-7][0-9a-hjkmnp-tv-z]{25}$");
        assertThat(Ids.isValid("usr", id)).isTrue();
        assertThat(Ids.isValid("ws", id)).isFalse();
    }

    @Test
    void idsSortByCreationTime() {
        String older = Ids.newId("aud", Instant.parse("2026-01-01T00:00:00Z"));
        String newer = Ids.newId("aud", Instant.parse("2026-01-01T00:00:00.001Z"));
        assertThat(older).isLessThan(newer);
    }

    @Test
    void idsAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) assertThat(seen.add(Ids.newId("x"))).isTrue();
    }

    @Test
    void malformedIdsAreRejected() {
        assertThat(Ids.isValid("usr", null)).isFalse();
        assertThat(Ids.isValid("usr", "usr_")).isFalse();
        assertThat(Ids.isValid("usr", "usr_01J9ZZZZZZZZZZZZZZZZZZZZZZ")).isFalse(); // upper case
        assertThat(Ids.isValid("usr", "usr_8zzzzzzzzzzzzzzzzzzzzzzzz")).isFalse(); // overflows 48-bit time
        assertThat(Ids.isValid("usr", "usr_01j9zzzzzzzzzzzzzzzzzzzzu")).isFalse(); // 'u' is not Crockford
    }
}

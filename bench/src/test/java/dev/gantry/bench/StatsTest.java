package dev.gantry.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatsTest {
    @Test
    void oddCountTakesTheMiddleValue() {
        assertThat(Stats.of(List.of(9.0, 1.0, 5.0, 7.0, 3.0))).isEqualTo(new Stats(5, 1.0, 5.0, 9.0));
    }

    @Test
    void evenCountAveragesTheTwoMiddleValues() {
        assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 10.0))).isEqualTo(new Stats(4, 1.0, 3.5, 10.0));
    }

    @Test
    void oneValue() {
        assertThat(Stats.of(List.of(2.5))).isEqualTo(new Stats(1, 2.5, 2.5, 2.5));
    }

    @Test
    void noValues() {
        assertThatThrownBy(() -> Stats.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

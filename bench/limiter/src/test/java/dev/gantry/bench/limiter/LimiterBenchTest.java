package dev.gantry.bench.limiter;

import dev.gantry.shared.limits.Gcra;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LimiterBenchTest {
    @Test
    void optionsHaveDefaultsAndParse() {
        var d = LimiterBench.Options.parse(new String[0]);
        assertThat(d).isEqualTo(new LimiterBench.Options(2, 5, 3, 8, null, List.of()));
        var o = LimiterBench.Options.parse(new String[]{"--warmup", "1", "--iterations", "7", "--seconds", "0.5", "--threads", "4", "--markdown", "x.md", "--only", "busy|shaped"});
        assertThat(o).isEqualTo(new LimiterBench.Options(1, 7, 0.5, 4, Path.of("x.md"), List.of("busy", "shaped")));
        assertThatThrownBy(() -> LimiterBench.Options.parse(new String[]{"--nope"})).hasMessageContaining("--nope");
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(LimiterBench.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(LimiterBench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    }

    @Test
    void pairedRatiosAndQuantiles() {
        assertThat(LimiterBench.pairedRatios(List.of(90.0, 45.0, 80.0), List.of(100.0, 50.0, 100.0))).containsExactly(0.9, 0.9, 0.8);
        assertThat(LimiterBench.quantile(List.of(4.0, 1.0, 3.0, 2.0, 5.0), 0.25)).isEqualTo(2.0);
        assertThat(LimiterBench.quantile(List.of(1.0, 2.0), 0.5)).isEqualTo(1.5);
    }

    /** The setups' buckets do what their names say, by the reference arithmetic. */
    @Test
    void theBucketsAreGenerousEmptyAndIdleAsNamed() {
        long now = 1_000_000_000_000L;
        // generous: a million decisions at one instant are all admitted
        Gcra.State s = null;
        for (int i = 0; i < 1_000_000; i++) s = Gcra.take(s, now, LimiterBench.GENEROUS);
        assertThat(s).isNotNull();
        // empty: the second decision in a minute is refused
        assertThat(Gcra.take(Gcra.take(null, now, LimiterBench.EMPTY), now + 59_000_000, LimiterBench.EMPTY)).isNull();
        // idle: one microsecond later the bucket is idle again (tat < now)
        Gcra.State idle = Gcra.take(null, now, LimiterBench.IDLE);
        assertThat(idle.tat()).isLessThan(now + 2);
    }
}

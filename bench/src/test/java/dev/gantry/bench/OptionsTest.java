package dev.gantry.bench;

import dev.gantry.bench.ColdStartBench.Options;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptionsTest {
    @Test
    void defaultsAreSevenRunsOfHealthAndMeUnderBothVariants() {
        Options o = Options.parse(new String[0]);
        assertThat(o.runs()).isEqualTo(7);
        assertThat(o.variants()).containsExactly(Variant.DEFAULT, Variant.C1);
        assertThat(o.events()).extracting(p -> p.getFileName().toString()).containsExactly("health.json", "me.json");
        assertThat(o.compareJars()).isEmpty();
    }

    @Test
    void flags() {
        Options o = Options.parse(new String[]{"--runs", "3", "--warmup", "0", "--variants", "c1", "--event", "events/identity/plans-list.json",
                "--compare-jar", "b=/tmp/b.jar", "--compare-jar", "a=/tmp/a.jar", "--no-class-histogram", "--breakdown-runs", "0"});
        assertThat(o.runs()).isEqualTo(3);
        assertThat(o.warmup()).isZero();
        assertThat(o.variants()).containsExactly(Variant.C1);
        assertThat(o.events()).containsExactly(Path.of("events/identity/plans-list.json"));
        assertThat(o.compareJars().keySet()).containsExactly("b", "a"); // in the order given: the report's column order
        assertThat(o.classHistogram()).isFalse();
        assertThat(o.breakdownRuns()).isZero();
    }

    @Test
    void badFlagsSayWhy() {
        for (List<String> args : List.of(List.of("--runs", "0"), List.of("--runs", "x"), List.of("--variants", "c2"),
                List.of("--compare-jar", "nolabel"), List.of("--compare-jar", "a b=/x.jar"), List.of("--frobnicate"), List.of("--runs"))) {
            assertThatThrownBy(() -> Options.parse(args.toArray(String[]::new))).as("%s", args).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

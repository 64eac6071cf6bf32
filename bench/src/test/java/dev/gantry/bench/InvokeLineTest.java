package dev.gantry.bench;

import dev.gantry.bench.invoke.Timeline;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InvokeLineTest {
    @Test
    void whatTheChildPrintsReadsBack() {
        long now = System.nanoTime();
        Timeline t = new Timeline(System.currentTimeMillis(), now, System.currentTimeMillis() - 20);
        t.put("status", 200);
        t.millis("invoke_ms", now, now + 1_500_000);
        String stdout = "{\"level\":\"INFO\",\"message\":\"GET /health -> 200\"}\n" + t.finish(now + 2_000_000) + "\n";

        InvokeLine line = InvokeLine.find(stdout).orElseThrow();

        assertThat(line.status()).isEqualTo(200);
        assertThat(line.number("invoke_ms")).isEqualTo(1.5);
        assertThat(line.has("jvm_to_answer_ms")).isTrue();
        assertThat(line.has("spawn_to_answer_ms")).isTrue();
        assertThat(line.number("classes")).isPositive();
    }

    @Test
    void noResultLineIsNoResult() {
        assertThat(InvokeLine.find("{\"level\":\"ERROR\"}\nException in thread \"main\"\n")).isEmpty();
    }

    @Test
    void malformedFieldsAreRejected() {
        assertThatThrownBy(() -> InvokeLine.parse(Timeline.PREFIX + " status")).isInstanceOf(IllegalArgumentException.class);
    }
}

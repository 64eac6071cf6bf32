package dev.gantry.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class VariantTest {
    /** The C1 variant measures what AWS runs: the CDK stack's JAVA_TOOL_OPTIONS, read from its source (bench does not depend on infra-cdk). */
    @Test
    void c1IsWhatTheCdkStackSets() throws IOException {
        Path stack = Path.of(System.getProperty("gantry.repoRoot", ".."), "infra-cdk/src/main/java/dev/gantry/infra/GantryStack.java");
        assertThat(Files.readString(stack))
                .contains("JAVA_TOOL_OPTIONS = \"" + Variant.C1.javaToolOptions() + "\";");
    }

    @Test
    void defaultSetsNothingAndTheSnapshotStandInsRunUnderC1() {
        assertThat(Variant.DEFAULT.javaToolOptions()).isNull();
        assertThat(Variant.named("c1")).isSameAs(Variant.C1);
        assertThat(Variant.SNAPSHOT.javaToolOptions()).isEqualTo(Variant.C1.javaToolOptions());
        assertThat(Variant.PRIMED.javaToolOptions()).isEqualTo(Variant.C1.javaToolOptions());
        assertThat(Variant.ALL).filteredOn(Variant::snapshot).extracting(Variant::invokerFlag)
                .containsExactly("--snapshot-no-hooks", "--snapshot");
        assertThat(Variant.DEFAULT.snapshot()).isFalse();
        assertThat(Variant.C1.snapshot()).isFalse();
    }
}

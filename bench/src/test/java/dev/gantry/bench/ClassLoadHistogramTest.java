package dev.gantry.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClassLoadHistogramTest {
    @Test
    void groupsByLibraryAndSplitsTheJdkByCds() {
        var counts = ClassLoadHistogram.count(List.of(
                "[0.010s][info][class,load] java.lang.Object source: shared objects file",
                "[0.011s][info][class,load] java.lang.invoke.LambdaForm$MH/0x000001 source: __JVM_LookupDefineClass__",
                "[0.300s][info][class,load] software.amazon.awssdk.services.dynamodb.DynamoDbClient source: file:/x/identity.jar",
                "[0.301s][info][class,load] software.amazon.awssdk.core.SdkBytes source: file:/x/identity.jar",
                "[0.302s][info][class,load] software.amazon.awssdk.core.client.Foo$$Lambda/0x0000 source: software.amazon.awssdk.core.client.Foo",
                "[0.400s][info][class,load] org.apache.logging.log4j.core.LoggerContext source: file:/x/identity.jar",
                "[0.500s][info][class,load] org.example.thing.Other source: file:/x/identity.jar",
                "[0.600s][info][gc] not a class load line"));

        assertThat(counts).containsEntry(ClassLoadHistogram.JDK_CDS, 1)
                .containsEntry(ClassLoadHistogram.JDK_OTHER, 1)
                .containsEntry("AWS SDK: services.dynamodb", 1)
                .containsEntry("AWS SDK: core", 2)
                .containsEntry("Log4j 2 (and its SLF4J binding)", 1)
                .containsEntry("org.example", 1)
                .hasSize(6);
    }

    @Test
    void countsOnlyWhatFollowsTheMarkerWhenOneIsGiven() {
        List<String> log = List.of(
                "[0.010s][info][class,load] java.lang.Object source: shared objects file",
                "[0.300s][info][class,load] software.amazon.awssdk.core.SdkBytes source: file:/x/identity.jar",
                "[0.400s][info][class,load] dev.gantry.bench.invoke.RestoreMarker source: file:/x/invoker.jar",
                "[0.500s][info][class,load] sun.net.www.protocol.http.HttpURLConnection source: jrt:/java.base",
                "[0.501s][info][class,load] dev.gantry.shared.Thing source: file:/x/identity.jar");

        assertThat(ClassLoadHistogram.countAfter(log, "dev.gantry.bench.invoke.RestoreMarker"))
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of(ClassLoadHistogram.JDK_OTHER, 1, "Gantry (shared + the function)", 1));
        assertThat(ClassLoadHistogram.countAfter(log, "no.such.Marker")).isEmpty();
        assertThat(ClassLoadHistogram.count(log).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
    }
}

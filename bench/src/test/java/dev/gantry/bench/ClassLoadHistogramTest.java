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
}

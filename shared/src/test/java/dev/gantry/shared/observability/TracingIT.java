package dev.gantry.shared.observability;

import com.amazonaws.xray.entities.Segment;
import com.amazonaws.xray.entities.Subsegment;
import dev.gantry.shared.store.TableDefinition;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The X-Ray side of {@link Tracing}, on the X-Ray SDK's own recorder with a segment opened by the
 * test (in Lambda the runtime's trace header stands in for it), and the SDK v2 interceptor on a
 * real DynamoDB client against DynamoDB Local. Outside Lambda (this JVM) the facade itself is off.
 */
class TracingIT {
    @AfterEach
    void clear() {
        Tracing.XRay.RECORDER.clearTraceEntity();
    }

    @Test
    void offOutsideLambdaAndWhenDisabled() {
        assertThat(Tracing.enabled()).as("no LAMBDA_TASK_ROOT in a test JVM").isFalse();
        assertThat(Tracing.sdkInterceptors()).isEmpty();
        assertThat(Tracing.remote("GitHub", () -> 42)).isEqualTo(42);
        assertThat(Tracing.handler(true, "svc", () -> "body")).isEqualTo("body");
        assertThat(Tracing.enabled(Map.of("LAMBDA_TASK_ROOT", "/var/task"))).isTrue();
        assertThat(Tracing.enabled(Map.of("LAMBDA_TASK_ROOT", "/var/task", "POWERTOOLS_TRACE_DISABLED", "true"))).isFalse();
        assertThat(Tracing.enabled(Map.of("AWS_LAMBDA_FUNCTION_NAME", "identity"))).as("a Lambda lookalike (the cold-start bench)").isFalse();
    }

    @Test
    void subsegmentsNestWithPowertoolsAnnotationsAndRecordFailures() {
        Segment segment = Tracing.XRay.RECORDER.beginSegment("gantry-test");
        String r = Tracing.XRay.subsegment("## handleRequest", null, Map.of("ColdStart", true, "Service", "gantry-identity"), () -> {
            Tracing.XRay.annotate("Route", "GET:/v1/me");
            return Tracing.XRay.subsegment("GitHub", "remote", Map.of(), () -> "answer");
        });
        assertThat(r).isEqualTo("answer");
        assertThatThrownBy(() -> Tracing.XRay.subsegment("Hetzner Cloud", "remote", Map.of(), () -> {
            throw new IllegalStateException("provider down");
        })).hasMessage("provider down");

        List<Subsegment> top = segment.getSubsegmentsCopy();
        assertThat(top).extracting(Subsegment::getName).containsExactly("## handleRequest", "Hetzner Cloud");
        Subsegment handler = top.get(0);
        assertThat(handler.getAnnotations()).containsEntry("ColdStart", true).containsEntry("Service", "gantry-identity")
                .containsEntry("Route", "GET:/v1/me");
        assertThat(handler.isInProgress()).isFalse();
        Subsegment github = handler.getSubsegmentsCopy().get(0);
        assertThat(github.getName()).isEqualTo("GitHub");
        assertThat(github.getNamespace()).isEqualTo("remote");
        assertThat(top.get(1).isFault()).isTrue();
        assertThat(top.get(1).getCause().getExceptions()).isNotEmpty();
    }

    @Test
    void theSdkInterceptorRecordsEachDynamoDbCallWithItsOperationAndTableButNoValues() {
        String table = "gantry-trace-" + UUID.randomUUID();
        try (DynamoDbClient admin = TestStack.adminClient()) {
            admin.createTable(TableDefinition.createTableRequest(table));
        }
        String secretValue = "do-not-trace-" + UUID.randomUUID();
        try (DynamoDbClient traced = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(TestStack.emulators().dynamoEndpoint())
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(Tracing.XRay.interceptor()).build())
                .build()) {
            Segment segment = Tracing.XRay.RECORDER.beginSegment("gantry-test");
            traced.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("TEST#1"), "sk", AttributeValue.fromS("A"),
                    "value", AttributeValue.fromS(secretValue))));
            traced.getItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS("TEST#1"), "sk", AttributeValue.fromS("A"))));

            List<Subsegment> calls = segment.getSubsegmentsCopy();
            assertThat(calls).extracting(Subsegment::getName).containsExactly("DynamoDb", "DynamoDb");
            assertThat(calls).extracting(s -> s.getAws().get("operation")).containsExactly("PutItem", "GetItem");
            assertThat(calls).allSatisfy(s -> {
                assertThat(s.getNamespace()).isEqualTo("aws");
                assertThat(s.getAws()).containsEntry("table_name", table);
                assertThat(s.getAws().toString() + s.getHttp() + s.getMetadata()).doesNotContain(secretValue).doesNotContain("TEST#1");
            });
        }
    }
}

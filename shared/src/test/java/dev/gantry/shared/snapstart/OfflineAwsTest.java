package dev.gantry.shared.snapstart;

import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real SDK clients over OfflineAws: what they send is answered from memory, as the priming needs it. */
class OfflineAwsTest {
    private final OfflineAws aws = new OfflineAws();
    private final StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y"));
    private final URI nowhere = URI.create(OfflineStack.ENDPOINT);
    private final DynamoDbClient dynamo = DynamoDbClient.builder().httpClient(aws).region(Region.US_EAST_1).credentialsProvider(creds)
            .endpointOverride(nowhere).build();

    private static Map<String, AttributeValue> item(String pk, String sk, String gsi1pk) {
        return Map.of(Keys.PK, Attr.s(pk), Keys.SK, Attr.s(sk), Keys.GSI1_PK, Attr.s(gsi1pk), "v", Attr.s(pk + sk));
    }

    @Test
    void dynamoItemsAreWrittenReadAndQueried() {
        dynamo.putItem(b -> b.tableName("t").item(item("WS#1", "REPO#a", "G#1")));
        dynamo.transactWriteItems(b -> b.transactItems(
                TransactWriteItem.builder().put(Put.builder().tableName("t").item(item("WS#1", "REPO#b", "G#1")).build()).build(),
                TransactWriteItem.builder().put(Put.builder().tableName("t").item(item("WS#1", "MEMBER#x", "G#2")).build()).build()));

        assertThat(dynamo.getItem(b -> b.tableName("t").key(Map.of(Keys.PK, Attr.s("WS#1"), Keys.SK, Attr.s("REPO#a")))).item())
                .containsEntry("v", Attr.s("WS#1REPO#a"));
        assertThat(dynamo.getItem(b -> b.tableName("t").key(Map.of(Keys.PK, Attr.s("WS#9"), Keys.SK, Attr.s("X")))).hasItem()).isFalse();
        var repos = dynamo.query(b -> b.tableName("t").keyConditionExpression("#pk = :pk AND begins_with(sk, :p)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK)).expressionAttributeValues(Map.of(":pk", Attr.s("WS#1"), ":p", Attr.s("REPO#"))));
        assertThat(repos.items()).extracting(i -> i.get(Keys.SK).s()).containsExactlyInAnyOrder("REPO#a", "REPO#b");
        var byIndex = dynamo.query(b -> b.tableName("t").indexName(Keys.GSI1).keyConditionExpression("gsi1pk = :v")
                .expressionAttributeValues(Map.of(":v", Attr.s("G#2"))));
        assertThat(byIndex.items()).extracting(i -> i.get(Keys.SK).s()).containsExactly("MEMBER#x");
        // a sort key condition it does not evaluate answers nothing rather than wrong items
        assertThat(dynamo.query(b -> b.tableName("t").keyConditionExpression("pk = :pk AND sk > :s")
                .expressionAttributeValues(Map.of(":pk", Attr.s("WS#1"), ":s", Attr.s("A")))).items()).isEmpty();

        dynamo.deleteItem(b -> b.tableName("t").key(Map.of(Keys.PK, Attr.s("WS#1"), Keys.SK, Attr.s("REPO#a"))));
        assertThat(dynamo.batchGetItem(b -> b.requestItems(Map.of("t", software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder()
                .keys(Map.of(Keys.PK, Attr.s("WS#1"), Keys.SK, Attr.s("REPO#a")), Map.of(Keys.PK, Attr.s("WS#1"), Keys.SK, Attr.s("REPO#b"))).build())))
                .responses().get("t")).extracting(i -> i.get(Keys.SK).s()).containsExactly("REPO#b");
    }

    @Test
    void anUpdateThatRequiresAMissingItemFailsItsCondition() {
        assertThatThrownBy(() -> dynamo.updateItem(b -> b.tableName("t").key(Map.of(Keys.PK, Attr.s("OUTBOX#1"), Keys.SK, Attr.s("OUTBOX")))
                .updateExpression("SET c = :n").conditionExpression("attribute_exists(pk)").expressionAttributeValues(Map.of(":n", Attr.n(1)))))
                .isInstanceOf(ConditionalCheckFailedException.class);
    }

    @Test
    void sqsSendsAreAcknowledgedWithTheBodysDigestAndSecretsAreStableRandomKeys() {
        try (SqsClient sqs = SqsClient.builder().httpClient(aws).region(Region.US_EAST_1).credentialsProvider(creds).endpointOverride(nowhere).build();
             SecretsManagerClient sm = SecretsManagerClient.builder().httpClient(aws).region(Region.US_EAST_1).credentialsProvider(creds)
                     .endpointOverride(nowhere).build()) {
            // the SDK checks MD5OfMessageBody against the body it sent: a wrong digest would throw here
            assertThat(sqs.sendMessage(b -> b.queueUrl(OfflineStack.ENDPOINT + "/0/q").messageBody("{\"a\":1}")).messageId()).isNotBlank();
            String first = sm.getSecretValue(b -> b.secretId("gantry/jwt-signing-key")).secretString();
            assertThat(Base64.getDecoder().decode(first)).hasSize(32);
            assertThat(sm.getSecretValue(b -> b.secretId("gantry/jwt-signing-key")).secretString()).isEqualTo(first);
            assertThat(sm.getSecretValue(b -> b.secretId("gantry/master-key")).secretString()).isNotEqualTo(first);
            assertThat(new OfflineAws().secret("gantry/jwt-signing-key")).isNotEqualTo(first);
        }
        assertThat(aws.calls()).isEqualTo(4);
    }

    @Test
    void theOfflineStackWarmsEverySdkCallWithoutAConnection() {
        OfflineStack s = new OfflineStack(Map.of("GANTRY_TABLE", "gantry-prod", "GANTRY_DYNAMODB_ENDPOINT", "http://127.0.0.1:1"));
        assertThat(s.wiring().config().local()).isTrue();
        assertThat(s.wiring().config().dynamoEndpoint()).isEqualTo(nowhere); // the real endpoint is not taken
        assertThat(s.wiring().config().tableName()).isEqualTo("gantry-prod");
        s.warmSdk();
        assertThat(s.aws().calls()).isEqualTo(11);
        assertThat(s.outcomes()).containsExactly("SDK 11 calls");
    }
}

package dev.gantry.shared.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.util.List;

/**
 * The table's shape: keys, indexes, TTL. The CDK stack builds the same shape from these
 * constants, and the local server and tests create the table with {@link #createTableRequest}.
 */
public final class TableDefinition {
    /** Every index: name, partition attribute, sort attribute. All project every attribute. */
    public static final List<Index> INDEXES = List.of(
            new Index(Keys.GSI1, Keys.GSI1_PK, Keys.GSI1_SK),
            new Index(Keys.GSI2, Keys.GSI2_PK, Keys.GSI2_SK),
            new Index(Keys.GSI3, Keys.GSI3_PK, Keys.GSI3_SK));

    public record Index(String name, String partitionKey, String sortKey) {}

    private TableDefinition() {}

    public static CreateTableRequest createTableRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        attr(Keys.PK), attr(Keys.SK),
                        attr(Keys.GSI1_PK), attr(Keys.GSI1_SK), attr(Keys.GSI2_PK), attr(Keys.GSI2_SK), attr(Keys.GSI3_PK), attr(Keys.GSI3_SK))
                .keySchema(
                        KeySchemaElement.builder().attributeName(Keys.PK).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(Keys.SK).keyType(KeyType.RANGE).build())
                .globalSecondaryIndexes(INDEXES.stream().map(i -> GlobalSecondaryIndex.builder()
                        .indexName(i.name())
                        .keySchema(
                                KeySchemaElement.builder().attributeName(i.partitionKey()).keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName(i.sortKey()).keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                        .build()).toList())
                .streamSpecification(StreamSpecification.builder().streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                .build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}

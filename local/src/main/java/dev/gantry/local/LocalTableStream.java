package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Reads the table's stream from DynamoDB Local the way Lambda's event source reads it in AWS
 * (every shard, in order, from the latest record at start) and hands each batch of outbox inserts
 * to the stream handler as a {@link DynamodbEvent} (the filter Lambda applies in AWS is applied
 * here). A batch whose handler reports a failure is retried from that record.
 */
final class LocalTableStream {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTableStream.class);

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final RequestHandler<DynamodbEvent, ?> handler;
    private final BooleanSupplier running;
    private final Map<String, String> iterators = new HashMap<>();

    LocalTableStream(DynamoDbStreamsClient streams, String streamArn, RequestHandler<DynamodbEvent, ?> handler, BooleanSupplier running) {
        this.streams = streams;
        this.streamArn = streamArn;
        this.handler = handler;
        this.running = running;
    }

    void run() {
        while (running.getAsBoolean()) {
            try {
                for (Shard shard : streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
                    iterators.computeIfAbsent(shard.shardId(), id -> streams.getShardIterator(b -> b.streamArn(streamArn).shardId(id)
                            .shardIteratorType(iterators.isEmpty() ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON)).shardIterator());
                }
                boolean any = false;
                for (var e : new ArrayList<>(iterators.entrySet())) {
                    if (e.getValue() == null) continue;
                    var got = streams.getRecords(b -> b.shardIterator(e.getValue()).limit(100));
                    List<DynamodbEvent.DynamodbStreamRecord> outbox = new ArrayList<>();
                    for (Record r : got.records()) {
                        var pk = r.dynamodb().keys().get("pk");
                        if (r.eventNameAsString().equals("INSERT") && pk != null && pk.s() != null && pk.s().startsWith("OUTBOX#")) {
                            outbox.add(toLambda(r));
                        }
                    }
                    if (!outbox.isEmpty()) {
                        DynamodbEvent event = new DynamodbEvent();
                        event.setRecords(outbox);
                        handler.handleRequest(event, null);
                        any = true;
                    }
                    iterators.put(e.getKey(), got.nextShardIterator());
                }
                if (!any) Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running.getAsBoolean()) return;
                LOG.warn("table stream reader: {}", e.toString());
                iterators.clear();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static DynamodbEvent.DynamodbStreamRecord toLambda(Record r) {
        DynamodbEvent.DynamodbStreamRecord out = new DynamodbEvent.DynamodbStreamRecord();
        out.setEventName(r.eventNameAsString());
        StreamRecord sr = new StreamRecord();
        Map<String, AttributeValue> keys = new HashMap<>();
        r.dynamodb().keys().forEach((k, v) -> keys.put(k, new AttributeValue().withS(v.s())));
        sr.setKeys(keys);
        sr.setSequenceNumber(r.dynamodb().sequenceNumber());
        out.setDynamodb(sr);
        return out;
    }
}

package dev.gantry.shared.snapstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.store.Keys;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SDK HTTP client that never opens a connection: it answers the AWS JSON-protocol calls Gantry
 * makes from memory, so that the SnapStart priming ({@link Priming}) can run real requests through
 * real SDK clients (marshalling, signing, the SDK's pipeline, unmarshalling) and Gantry's own code
 * without touching the function's table, queues or secrets.
 *
 * <ul>
 *   <li>DynamoDB: a map of items by key. PutItem, DeleteItem, BatchWriteItem and the Puts and
 *       Deletes of TransactWriteItems change it (condition expressions are ignored: they always
 *       pass); GetItem and BatchGetItem read it; Query answers the items whose partition key
 *       (table or {@code gsi1}) equals the key condition's value, with an optional
 *       {@code begins_with} on the sort key, and nothing for any other key condition. UpdateItem
 *       changes nothing: it answers the stored item, or fails its condition when the condition
 *       requires an attribute of an item that does not exist (the outbox relay's "already sent").</li>
 *   <li>SQS: SendMessage and SendMessageBatch answer a message id and the body's MD5, as SQS does;
 *       nothing is kept.</li>
 *   <li>Secrets Manager: GetSecretValue answers 32 random bytes (base64) per secret id, made on first
 *       read and kept for this instance's life only: they never sign or encrypt anything real.</li>
 * </ul>
 * Anything else answers an empty JSON object. {@link #calls()} counts what was answered.
 */
public final class OfflineAws implements SdkHttpClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EQUALS = Pattern.compile("(#?[A-Za-z0-9_]+)\\s*=\\s*(:[A-Za-z0-9_]+)");
    private static final Pattern BEGINS_WITH = Pattern.compile("begins_with\\s*\\(\\s*(#?[A-Za-z0-9_]+)\\s*,\\s*(:[A-Za-z0-9_]+)\\s*\\)");

    private final Map<String, ObjectNode> items = new ConcurrentHashMap<>();
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger calls = new AtomicInteger();

    /** The value this instance answers for a secret (made on first use). */
    public String secret(String secretId) {
        return secrets.computeIfAbsent(secretId, id -> {
            byte[] key = new byte[32];
            random.nextBytes(key);
            return Base64.getEncoder().encodeToString(key);
        });
    }

    /** How many calls were answered. */
    public int calls() {
        return calls.get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
                JsonNode body;
                if (request.contentStreamProvider().isPresent()) {
                    try (InputStream in = request.contentStreamProvider().get().newStream()) {
                        byte[] bytes = in.readAllBytes();
                        body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
                    }
                } else {
                    body = JSON.createObjectNode();
                }
                calls.incrementAndGet();
                return answer(target, body);
            }

            @Override
            public void abort() {
                // nothing is in flight
            }
        };
    }

    @Override
    public String clientName() {
        return "GantryOffline";
    }

    @Override
    public void close() {
        // nothing to release
    }

    private HttpExecuteResponse answer(String target, JsonNode req) throws IOException {
        int dot = target.indexOf('.');
        String service = dot < 0 ? "" : target.substring(0, dot);
        String operation = dot < 0 ? target : target.substring(dot + 1);
        try {
            JsonNode out = switch (service) {
                case "DynamoDB_20120810" -> dynamo(operation, req);
                case "AmazonSQS" -> sqs(operation, req);
                case "secretsmanager" -> secretsManager(operation, req);
                default -> JSON.createObjectNode();
            };
            return response(200, out);
        } catch (ConditionFailed e) {
            ObjectNode error = JSON.createObjectNode();
            error.put("__type", "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
            error.put("message", "The conditional request failed");
            return response(400, error);
        }
    }

    private static HttpExecuteResponse response(int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        SdkHttpResponse http = SdkHttpResponse.builder().statusCode(status)
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("Content-Length", String.valueOf(bytes.length))
                .putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .build();
        return HttpExecuteResponse.builder().response(http)
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes))).build();
    }

    // ---- DynamoDB ------------------------------------------------------------------------------

    private static final class ConditionFailed extends RuntimeException {
        ConditionFailed() { super(null, null, false, false); }
    }

    private JsonNode dynamo(String operation, JsonNode req) {
        ObjectNode out = JSON.createObjectNode();
        switch (operation) {
            case "GetItem" -> {
                ObjectNode item = items.get(key(req.path("Key")));
                if (item != null) out.set("Item", item.deepCopy());
            }
            case "BatchGetItem" -> {
                ObjectNode responses = out.putObject("Responses");
                req.path("RequestItems").fields().forEachRemaining(table -> {
                    ArrayNode found = responses.putArray(table.getKey());
                    for (JsonNode k : table.getValue().path("Keys")) {
                        ObjectNode item = items.get(key(k));
                        if (item != null) found.add(item.deepCopy());
                    }
                });
                out.putObject("UnprocessedKeys");
            }
            case "PutItem" -> put(req.path("Item"));
            case "DeleteItem" -> {
                ObjectNode old = items.remove(key(req.path("Key")));
                if (old != null && "ALL_OLD".equals(req.path("ReturnValues").asText())) out.set("Attributes", old);
            }
            case "UpdateItem" -> {
                String k = key(req.path("Key"));
                ObjectNode item = items.get(k);
                String condition = req.path("ConditionExpression").asText("");
                if (item == null && condition.contains("attribute_exists(")) throw new ConditionFailed();
                if (item == null) {
                    item = ((ObjectNode) req.path("Key")).deepCopy();
                    items.put(k, item);
                }
                String returns = req.path("ReturnValues").asText("NONE");
                if (!returns.equals("NONE")) out.set("Attributes", item.deepCopy());
            }
            case "Query" -> out.set("Items", query(req));
            case "TransactWriteItems" -> {
                for (JsonNode t : req.path("TransactItems")) {
                    if (t.has("Put")) put(t.get("Put").path("Item"));
                    if (t.has("Delete")) items.remove(key(t.get("Delete").path("Key")));
                }
            }
            case "BatchWriteItem" -> {
                req.path("RequestItems").fields().forEachRemaining(table -> {
                    for (JsonNode w : table.getValue()) {
                        if (w.has("PutRequest")) put(w.get("PutRequest").path("Item"));
                        if (w.has("DeleteRequest")) items.remove(key(w.get("DeleteRequest").path("Key")));
                    }
                });
                out.putObject("UnprocessedItems");
            }
            default -> { }
        }
        if (operation.equals("Query")) {
            out.put("Count", out.get("Items").size());
            out.put("ScannedCount", out.get("Items").size());
        }
        return out;
    }

    private void put(JsonNode item) {
        if (item instanceof ObjectNode o && o.has(Keys.PK) && o.has(Keys.SK)) items.put(key(o), o.deepCopy());
    }

    private ArrayNode query(JsonNode req) {
        ArrayNode result = JSON.createArrayNode();
        String index = req.path("IndexName").asText(null);
        String partitionAttr = index == null ? Keys.PK : index.equals(Keys.GSI1) ? Keys.GSI1_PK : null;
        String sortAttr = index == null ? Keys.SK : index.equals(Keys.GSI1) ? Keys.GSI1_SK : null;
        String condition = req.path("KeyConditionExpression").asText("");
        JsonNode names = req.path("ExpressionAttributeNames");
        JsonNode values = req.path("ExpressionAttributeValues");
        Matcher eq = EQUALS.matcher(condition);
        if (partitionAttr == null || !eq.find() || !partitionAttr.equals(name(eq.group(1), names))) return result;
        String partition = values.path(eq.group(2)).path("S").asText(null);
        String rest = (condition.substring(0, eq.start()) + condition.substring(eq.end())).replaceAll("(?i)\\bAND\\b", "").trim();
        String prefix = null;
        if (!rest.isEmpty()) {
            Matcher bw = BEGINS_WITH.matcher(rest);
            if (!bw.matches() || !sortAttr.equals(name(bw.group(1), names))) return result; // a sort key condition this fake does not evaluate
            prefix = values.path(bw.group(2)).path("S").asText(null);
        }
        for (ObjectNode item : items.values()) {
            if (partition == null || !partition.equals(item.path(partitionAttr).path("S").asText(null))) continue;
            if (prefix != null && !item.path(sortAttr).path("S").asText("").startsWith(prefix)) continue;
            result.add(item.deepCopy());
        }
        return result;
    }

    private static String name(String token, JsonNode names) {
        return token.startsWith("#") ? names.path(token).asText(token) : token;
    }

    private static String key(JsonNode key) {
        return key.path(Keys.PK).path("S").asText("") + "|" + key.path(Keys.SK).path("S").asText("");
    }

    // ---- SQS and Secrets Manager -----------------------------------------------------------------

    private static JsonNode sqs(String operation, JsonNode req) {
        ObjectNode out = JSON.createObjectNode();
        switch (operation) {
            case "SendMessage" -> {
                out.put("MessageId", UUID.randomUUID().toString());
                out.put("MD5OfMessageBody", md5(req.path("MessageBody").asText("")));
            }
            case "SendMessageBatch" -> {
                ArrayNode ok = out.putArray("Successful");
                for (JsonNode e : req.path("Entries")) {
                    ObjectNode r = ok.addObject();
                    r.put("Id", e.path("Id").asText());
                    r.put("MessageId", UUID.randomUUID().toString());
                    r.put("MD5OfMessageBody", md5(e.path("MessageBody").asText("")));
                }
                out.putArray("Failed");
            }
            default -> { }
        }
        return out;
    }

    private JsonNode secretsManager(String operation, JsonNode req) {
        ObjectNode out = JSON.createObjectNode();
        if (operation.equals("GetSecretValue")) {
            String id = req.path("SecretId").asText();
            out.put("ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + id);
            out.put("Name", id);
            out.put("VersionId", "00000000-0000-0000-0000-000000000000");
            out.put("SecretString", secret(id));
            out.putArray("VersionStages").add("AWSCURRENT");
            out.put("CreatedDate", 1.7e9);
        }
        return out;
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The items held, for tests: key ("pk|sk") to item JSON. */
    Map<String, String> itemsForTests() {
        Map<String, String> out = new LinkedHashMap<>();
        items.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }
}

package dev.gantry.shared.snapstart;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A copy of the function's world for priming: a {@link Wiring} whose SDK clients talk to
 * {@link OfflineAws} (nothing leaves the process), with the function's table name and region, the
 * simulated edges of the local emulators (no GitHub, Hetzner or DigitalOcean call is possible:
 * {@code GantryConfig.local()} is true), bcrypt at its lowest cost and no rate limiter (its
 * conditional writes need a real DynamoDB; the SDK path they take is primed by {@link #warmSdk()}).
 *
 * <p>A priming step builds the function's handler on {@link #wiring()} with its {@code (Wiring)}
 * constructor (which registers no hook) and sends it requests with {@link #api} or events with
 * {@link #invoke}; {@link #outcomes()} says what each answered, for the log line and for tests.
 */
public final class OfflineStack {
    /** Where the offline SDK clients "send" (never contacted: {@link OfflineAws} answers). */
    public static final String ENDPOINT = "https://offline.gantry.invalid";

    private final OfflineAws aws = new OfflineAws();
    private final Wiring wiring;
    private final List<String> outcomes = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private String token;

    public OfflineStack() {
        this(System.getenv());
    }

    /** {@code realEnvironment}: only the table name and the region are taken from it. */
    public OfflineStack(Map<String, String> realEnvironment) {
        Map<String, String> env = new HashMap<>();
        env.put("GANTRY_TABLE", realEnvironment.getOrDefault("GANTRY_TABLE", "gantry"));
        env.put("AWS_REGION", realEnvironment.getOrDefault("AWS_REGION", "us-east-1"));
        env.put("GANTRY_DYNAMODB_ENDPOINT", ENDPOINT);
        env.put("GANTRY_SQS_ENDPOINT", ENDPOINT);
        env.put("GANTRY_SECRETS_ENDPOINT", ENDPOINT);
        env.put("GANTRY_BCRYPT_COST", "4");
        env.put("GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "true");
        for (QueueSpec q : QueueSpec.ALL) env.put(q.urlEnvVar(), ENDPOINT + "/000000000000/gantry-" + q.name());
        GantryConfig config = GantryConfig.from(env);
        this.wiring = new Wiring(config, Clock.tickMillis(ZoneOffset.UTC), null, List.of(), aws).rateLimiter(RateLimiter.NONE);
    }

    public Wiring wiring() { return wiring; }

    public OfflineAws aws() { return aws; }

    /** What each priming request answered, in order, e.g. {@code GET /v1/me 200}. */
    public List<String> outcomes() { return List.copyOf(outcomes); }

    /**
     * One call of each DynamoDB operation Gantry makes (GetItem, BatchGetItem, Query, PutItem,
     * UpdateItem, a failed conditional UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem),
     * one SQS SendMessage and one Secrets Manager read through Powertools: the marshallers, signers
     * and unmarshallers of every request the function can make, whatever its first request is;
     * then a request prepared, never sent, by the real url-connection client.
     */
    public void warmSdk() {
        Table t = wiring.table();
        var key = Map.of(Keys.PK, Attr.s("PRIMING"), Keys.SK, Attr.s("PRIMING"));
        var item = new HashMap<>(key);
        item.put("n", Attr.n(1));
        t.client().putItem(b -> b.tableName(t.name()).item(item));
        t.get(key, true);
        t.batchGet(List.of(key), true);
        t.query(b -> b.keyConditionExpression("#pk = :pk").expressionAttributeNames(Map.of("#pk", Keys.PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s("PRIMING"))));
        t.client().updateItem(b -> b.tableName(t.name()).key(key).updateExpression("SET n = n + :one")
                .expressionAttributeValues(Map.of(":one", Attr.n(1))).returnValues(ReturnValue.UPDATED_NEW));
        try {
            t.client().updateItem(b -> b.tableName(t.name()).key(Map.of(Keys.PK, Attr.s("PRIMING#none"), Keys.SK, Attr.s("PRIMING")))
                    .updateExpression("SET n = :one").conditionExpression("attribute_exists(" + Keys.PK + ")")
                    .expressionAttributeValues(Map.of(":one", Attr.n(1))));
        } catch (ConditionalCheckFailedException expected) {
            // the error path: the SDK's error unmarshalling, as a failed condition takes it
        }
        new Tx(t).put(item, null, null, null, null).commit();
        t.batchWrite(List.of(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build()));
        t.client().deleteItem(b -> b.tableName(t.name()).key(key));
        wiring.queueSender().send(QueueSpec.ALL.get(0).name(), "{\"kind\":\"priming\"}", 0);
        wiring.secrets().get(wiring.config().jwtSecretId());
        prepareUnsentRequest();
        outcomes.add("SDK " + aws.calls() + " calls");
    }

    /**
     * The real HTTP client's side, short of the network: the SDK's url-connection client prepares
     * a request (the JDK's HttpURLConnection is created and configured; nothing resolves a name or
     * connects before {@code call()}, which is never made) and the request is aborted.
     */
    private static void prepareUnsentRequest() {
        try (SdkHttpClient http = UrlConnectionHttpClient.create()) {
            SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(ENDPOINT + "/"))
                    .putHeader("Content-Type", "application/x-amz-json-1.0").build();
            http.prepareRequest(HttpExecuteRequest.builder().request(request)
                    .contentStreamProvider(() -> new java.io.ByteArrayInputStream(new byte[0])).build()).abort();
        }
    }

    /** An access token of a user who signed up in the offline store (made on first use). */
    public String token() {
        if (token == null) {
            token = wiring.authService().signup("priming@gantry.invalid", "priming-password-" + requests.get(), "Priming", null,
                    new Caller(null, "127.0.0.1", "req_priming")).token();
        }
        return token;
    }

    /** Sends one API request to {@code handler}; {@code pathAndQuery} may carry a query string. Answers the response. */
    public APIGatewayV2HTTPResponse api(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String method,
                                        String pathAndQuery, String bearer, String body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", "application/json");
        headers.put("user-agent", "gantry-snapstart-priming");
        if (bearer != null) headers.put("authorization", "Bearer " + bearer);
        if (body != null) headers.put("content-type", "application/json");
        return apiWithHeaders(handler, method, pathAndQuery, headers, body);
    }

    /** As above with the headers given (lower-case names). */
    public APIGatewayV2HTTPResponse apiWithHeaders(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String method,
                                        String pathAndQuery, Map<String, String> headers, String body) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath(path).withRawQueryString(q < 0 ? "" : pathAndQuery.substring(q + 1))
                .withHeaders(headers).withBody(body).withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("priming-" + requests.incrementAndGet()).withStage("$default")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path)
                                .withProtocol("HTTP/1.1").withSourceIp("127.0.0.1").withUserAgent("gantry-snapstart-priming").build())
                        .build())
                .build();
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, new PrimingContext(requests.get()));
        outcomes.add(method + " " + path + " " + r.getStatusCode());
        return r;
    }

    /** Sends one event to a non-API handler (queue, stream, schedule) and records what it answered. */
    public <I, O> O invoke(String name, RequestHandler<I, O> handler, I event) {
        O out = handler.handleRequest(event, new PrimingContext(requests.incrementAndGet()));
        int failed = out instanceof SQSBatchResponse s ? s.getBatchItemFailures().size()
                : out instanceof StreamsEventResponse s ? s.getBatchItemFailures().size() : 0;
        outcomes.add(name + (failed == 0 ? " ok" : " " + failed + " failed"));
        return out;
    }

    /** An SQS event of one message with this body, as Lambda's event source mapping delivers it. */
    public static SQSEvent sqs(String body) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("priming-message");
        m.setBody(body);
        m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        m.setEventSource("aws:sqs");
        SQSEvent e = new SQSEvent();
        e.setRecords(List.of(m));
        return e;
    }

    /** A DynamoDB stream event: one INSERT of the item with this key. */
    /** A GitHub push delivery for priming (github-ingest verifies it, the github-events worker processes it). */
    public static final String PUSH = """
            {"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000",\
            "after":"1111111111111111111111111111111111111111","created":false,"deleted":false,"forced":false,\
            "repository":{"id":1,"name":"app","full_name":"gantry-priming/app","private":true,"default_branch":"main",\
            "owner":{"login":"gantry-priming","id":1}},"installation":{"id":1},"sender":{"login":"gantry-priming","id":1},\
            "head_commit":{"id":"1111111111111111111111111111111111111111","message":"priming","timestamp":"2026-01-01T00:00:00Z",\
            "author":{"name":"Priming","email":"priming@gantry.invalid"}},"commits":[]}""";

    public static DynamodbEvent streamInsert(String pk, String sk) {
        StreamRecord record = new StreamRecord();
        record.setKeys(Map.of(Keys.PK, new AttributeValue().withS(pk), Keys.SK, new AttributeValue().withS(sk)));
        record.setSequenceNumber("1");
        DynamodbEvent.DynamodbStreamRecord r = new DynamodbEvent.DynamodbStreamRecord();
        r.setEventName("INSERT");
        r.setEventSource("aws:dynamodb");
        r.setDynamodb(record);
        DynamodbEvent e = new DynamodbEvent();
        e.setRecords(List.of(r));
        return e;
    }

    /** The {@code X-Hub-Signature-256} GitHub would send for this body, with the offline GitHub webhook secret. */
    public String gitHubSignature(String body) {
        byte[] mac = Hmac.sha256(aws.secret(wiring.config().githubWebhookSecretId()).getBytes(StandardCharsets.UTF_8),
                body.getBytes(StandardCharsets.UTF_8));
        return "sha256=" + java.util.HexFormat.of().formatHex(mac);
    }

    /** A JSON body from a map (for requests). */
    public static String json(Map<String, ?> body) {
        return Json.writeString(body);
    }
}

package dev.gantry.bench.auth;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.functions.identity.IdentityHandler;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.auth.Authenticator;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Access;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Response;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.http.RouteTable;
import dev.gantry.shared.http.Router;
import dev.gantry.shared.identity.ApiKeyRepository;
import dev.gantry.shared.identity.TokenAuthenticator;
import dev.gantry.shared.secrets.KeyRing;
import dev.gantry.shared.secrets.MasterKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What authenticating one request costs: an API key with the pepper cached in the container (the
 * steady state), an API key whose pepper is fetched from Secrets Manager on that request (what
 * the first request of a container pays), an access token, and a mistyped key (refused by its
 * checksum). Each goes through the real router and authenticator against DynamoDB Local and the
 * local fake Secrets Manager, over HTTP on loopback. {@link #main} with {@code calls} prints the
 * AWS calls each makes, counted by an SDK interceptor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuthBench {
    private LocalServer server;
    private Router<Object> cachedPepper;
    private Router<Object> uncachedPepper;
    private APIGatewayV2HTTPEvent withKey;
    private APIGatewayV2HTTPEvent withToken;
    private APIGatewayV2HTTPEvent withTypo;
    final List<String> calls = new CopyOnWriteArrayList<>();

    private static final RouteTable<Object> TABLE = RouteTable.of("bench",
            Route.get("/bench", Access.VIEWER, (api, request) -> Response.ok(Map.of("ok", true))));

    @Setup
    public void setUp() {
        server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4));
        ExecutionInterceptor counter = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                calls.add(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "." + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            }
        };
        Wiring wiring = new Wiring(server.config(), Clock.systemUTC(), null, List.of(counter));
        IdentityHandler identity = new IdentityHandler(wiring);
        String token = field(identity.handleRequest(event("POST", "/v1/auth/signup",
                "{\"email\":\"bench@example.com\",\"password\":\"correct horse battery\",\"name\":\"Bench\"}", Map.of()), null), "token");
        String key = field(identity.handleRequest(event("POST", "/v1/api-keys", "{\"name\":\"bench\"}", Map.of("authorization", "Bearer " + token)), null), "token");

        cachedPepper = new Router<>(TABLE, new Object(), wiring.authenticator());

        // The same authenticator, but the pepper is read from Secrets Manager on every request (no cache).
        SecretsManagerClient secrets = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(server.config().region())).endpointOverride(server.secretsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(counter)).build();
        String pepperId = server.config().apiKeyPepperSecretId();
        Supplier<KeyRing> freshPepper = () -> KeyRing.parse(secrets.getSecretValue(b -> b.secretId(pepperId)).secretString()).derive("api-key/v1");
        MasterKeys keys = new MasterKeys(id -> secrets.getSecretValue(b -> b.secretId(id)).secretString(), server.config());
        Authenticator uncached = new TokenAuthenticator(new AccessTokens(keys::accessTokenKeys, server.config().accessTokenTtl()),
                new ApiKeyRepository(wiring.table()), freshPepper, wiring.auditLog(), wiring.table(), Clock.systemUTC());
        uncachedPepper = new Router<>(TABLE, new Object(), uncached);

        withKey = event("GET", "/bench", null, Map.of("authorization", "Bearer " + key));
        withToken = event("GET", "/bench", null, Map.of("authorization", "Bearer " + token));
        String typo = key.substring(0, 40) + (key.charAt(40) == 'a' ? 'b' : 'a') + key.substring(41);
        withTypo = event("GET", "/bench", null, Map.of("authorization", "Bearer " + typo));
        if (cachedPepper.handle(withKey).getStatusCode() != 200 || uncachedPepper.handle(withKey).getStatusCode() != 200
                || cachedPepper.handle(withToken).getStatusCode() != 200 || cachedPepper.handle(withTypo).getStatusCode() != 401) {
            throw new IllegalStateException("the benchmark's requests do not authenticate as expected");
        }
    }

    @TearDown
    public void tearDown() {
        server.close();
    }

    @Benchmark
    public APIGatewayV2HTTPResponse apiKeyPepperCached() {
        return cachedPepper.handle(withKey);
    }

    @Benchmark
    public APIGatewayV2HTTPResponse apiKeyPepperUncached() {
        return uncachedPepper.handle(withKey);
    }

    @Benchmark
    public APIGatewayV2HTTPResponse accessToken() {
        return cachedPepper.handle(withToken);
    }

    @Benchmark
    public APIGatewayV2HTTPResponse apiKeyWithATypo() {
        return cachedPepper.handle(withTypo);
    }

    /** {@code calls}: prints the AWS calls of one request of each kind; anything else runs JMH with those arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("calls")) {
            AuthBench bench = new AuthBench();
            bench.setUp();
            try {
                System.out.println("| request | AWS calls |");
                System.out.println("|---|---|");
                row(bench, "API key, pepper cached", () -> bench.apiKeyPepperCached());
                row(bench, "API key, pepper fetched on this request", () -> bench.apiKeyPepperUncached());
                row(bench, "access token (JWT)", () -> bench.accessToken());
                row(bench, "API key with a typo", () -> bench.apiKeyWithATypo());
            } finally {
                bench.tearDown();
            }
            return;
        }
        org.openjdk.jmh.Main.main(args.length == 0 ? new String[]{AuthBench.class.getName()} : args);
    }

    private static void row(AuthBench bench, String name, Supplier<APIGatewayV2HTTPResponse> request) {
        request.get(); // steady state first (last_used_at is recorded at most once a minute)
        bench.calls.clear();
        int status = request.get().getStatusCode();
        System.out.println("| " + name + " (HTTP " + status + ") | " + (bench.calls.isEmpty() ? "none" : String.join(", ", bench.calls)) + " |");
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, String body, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        if (body != null) h.put("content-type", "application/json");
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRawPath(path).withHeaders(h).withBody(body)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("bench")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path)
                                .withSourceIp("203.0.113.7").build()).build())
                .build();
    }

    private static String field(APIGatewayV2HTTPResponse response, String name) {
        if (response.getStatusCode() >= 300) throw new IllegalStateException("setup request failed: " + response.getBody());
        return Json.readTree(response.getBody()).get(name).asText();
    }
}

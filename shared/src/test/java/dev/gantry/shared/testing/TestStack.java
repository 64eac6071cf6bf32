package dev.gantry.shared.testing;

import dev.gantry.emulators.AwsBackend;
import dev.gantry.emulators.Backends;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.secrets.SecretStore;
import dev.gantry.shared.store.TableDefinition;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The emulators for *IT tests: DynamoDB Local and ElasticMQ started once per test JVM, and a
 * fresh table per {@link #newWiring} call, so test classes never see each other's data.
 * With {@code -Dgantry.backend=localstack} (the {@code localstack} Maven profile) the same ITs run
 * against one LocalStack container instead, and the wirings read {@link #SECRETS} from its real
 * Secrets Manager through the production store (SDK client + Powertools) rather than from memory.
 */
public final class TestStack {
    private static AwsBackend emulators;

    private TestStack() {}

    /** The backend of this JVM ({@link Backends#selected()}), started on first use. */
    public static synchronized AwsBackend emulators() {
        if (emulators == null) {
            AwsBackend backend = Backends.start(null, 0, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(backend::close));
            if (backend.secretsEndpoint() != null) backend.putSecrets(REGION, SECRETS);
            emulators = backend;
        }
        return emulators;
    }

    /** The region of every test client and configuration (GantryConfig's default). */
    private static final String REGION = "us-east-1";

    /** True when the backend has a Secrets Manager holding {@link #SECRETS} (LocalStack), which the wirings then read. */
    public static boolean realSecretsManager() {
        return emulators().secretsEndpoint() != null;
    }

    /** The GitHub OAuth client secret as GitHub issues them (40 hex characters); fake GitHub servers expect it. */
    public static final String GITHUB_CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567";

    /** Fixed test secrets: 32 bytes each, base64 (the GitHub client secret: as GitHub issues it). */
    public static final Map<String, String> SECRETS = Map.of(
            "gantry/jwt-signing-key", Base64.getEncoder().encodeToString("test-jwt-signing-key-0123456789ab".getBytes()),
            "gantry/api-key-pepper", Base64.getEncoder().encodeToString("test-api-key-pepper-0123456789abc".getBytes()),
            "gantry/master-key", Base64.getEncoder().encodeToString("test-master-key-0123456789abcdefg".getBytes()),
            "gantry/github-webhook-secret", Base64.getEncoder().encodeToString("test-github-webhook-secret-01234".getBytes()),
            "gantry/github-oauth-client-secret", GITHUB_CLIENT_SECRET);

    public static SecretStore secrets() {
        return id -> {
            String v = SECRETS.get(id);
            if (v == null) throw new IllegalStateException("no secret " + id);
            return v;
        };
    }

    public static GantryConfig config(String tableName) {
        return config(tableName, Map.of());
    }

    /** The test configuration with {@code extraEnv} on top (e.g. GANTRY_GITHUB_CLIENT_ID and the GitHub URLs of a fake). */
    public static GantryConfig config(String tableName, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>();
        env.put("GANTRY_TABLE", tableName);
        env.put("GANTRY_DYNAMODB_ENDPOINT", emulators().dynamoEndpoint().toString());
        env.put("GANTRY_SQS_ENDPOINT", emulators().sqsEndpoint().toString());
        if (realSecretsManager()) env.put("GANTRY_SECRETS_ENDPOINT", emulators().secretsEndpoint().toString());
        env.put("GANTRY_BCRYPT_COST", "4");
        env.putAll(extraEnv);
        return GantryConfig.from(env);
    }

    /** A wiring over a new, empty table; {@code calls} (may be null) counts every DynamoDB call. */
    public static Wiring newWiring(Clock clock, DynamoCallCounter calls) {
        return newWiring(clock, calls, Map.of());
    }

    /** A wiring over a new, empty table, configured with {@code extraEnv} on top of the test configuration. */
    public static Wiring newWiring(Clock clock, DynamoCallCounter calls, Map<String, String> extraEnv) {
        return newWiringWithInterceptors(clock, calls == null ? List.of() : List.of(calls), extraEnv);
    }

    /** A wiring over a new, empty table whose DynamoDB client runs {@code interceptors} (e.g. to interleave a write). */
    public static Wiring newWiringWithInterceptors(Clock clock, List<ExecutionInterceptor> interceptors, Map<String, String> extraEnv) {
        String table = "gantry-test-" + UUID.randomUUID();
        GantryConfig config = config(table, extraEnv);
        createTable(table);
        // On LocalStack: null, so the wiring builds the production SecretsManagerStore over its Secrets Manager.
        Wiring wiring = new Wiring(config, clock, realSecretsManager() ? null : secrets(), interceptors);
        // Every simulated client of every IT comes from one address (Http.event's 203.0.113.7), so that one
        // address gets a bucket no test class empties; the limiter still runs on every request, and the
        // workspace buckets keep their plans' sizes. RateLimitsIT restores the production per-address policy.
        return wiring.rateLimiter(wiring.tokenBucketLimiter(SHARED_TEST_ADDRESS_LIMIT));
    }

    /**
     * The per-address rate limit in tests (production: {@link dev.gantry.shared.limits.RateLimitPolicy#CLIENT_IP}):
     * a billion tokens, so also a tolerance of about 16 hours, because tests move their clocks (even back).
     */
    public static final dev.gantry.shared.limits.RateLimitPolicy SHARED_TEST_ADDRESS_LIMIT =
            new dev.gantry.shared.limits.RateLimitPolicy("ip", 1_000_000, 1_000_000_000);

    public static Wiring newWiring() {
        return newWiring(Clock.systemUTC(), null);
    }

    /** Creates {@code table} as the CDK stack does (indexes, stream); on a backend outside this JVM, waits until it is active. */
    public static void createTable(String table) {
        try (DynamoDbClient admin = adminClient()) {
            admin.createTable(TableDefinition.createTableRequest(table));
            if (emulators().kind() != Backends.Kind.EMBEDDED) admin.waiter().waitUntilTableExists(r -> r.tableName(table));
        }
    }

    public static DynamoDbClient adminClient() {
        return DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(emulators().dynamoEndpoint()).build();
    }
}

package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.emulators.AwsBackend;
import dev.gantry.emulators.Backends;
import dev.gantry.functions.Catalog;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.TableDefinition;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The local server: every API function of {@link Catalog#API_FUNCTIONS} behind an HTTP front that
 * does what API Gateway does, on DynamoDB Local and ElasticMQ embedded in this JVM and a loopback
 * fake of Secrets Manager, so the handlers run unchanged with the real AWS SDK clients. With
 * {@code -Dgantry.backend=localstack} (the end-to-end tests under {@code -Plocalstack}) the same
 * table, queues and secrets are created in one LocalStack container instead, and the functions
 * read the secrets from its Secrets Manager.
 *
 * <pre>
 * try (LocalServer server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4))) {
 *     URI api = server.baseUrl();
 * }
 * </pre>
 */
public final class LocalServer implements AutoCloseable {
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private final Deque<AutoCloseable> resources;
    private final HttpServer http;
    private final ExecutorService httpExecutor;
    private final URI baseUrl;
    private final AwsBackend emulators;
    private final URI secretsEndpoint;
    private final Map<String, String> secrets;
    private final Map<String, String> queueUrls;
    private final GantryConfig config;
    private final Path dataDir;
    private final List<FunctionSpec> functions;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;

    private LocalServer(Builder b) {
        this.resources = b.resources;
        this.http = b.http;
        this.httpExecutor = b.httpExecutor;
        this.baseUrl = b.baseUrl;
        this.emulators = b.emulators;
        this.secretsEndpoint = b.secretsEndpoint;
        this.secrets = b.secrets;
        this.queueUrls = b.queueUrls;
        this.config = b.config;
        this.dataDir = b.dataDir;
        this.functions = b.functions;
    }

    public static void main(String[] args) {
        if (LocalOptions.wantsHelp(args)) {
            System.out.print(LocalOptions.help());
            return;
        }
        LocalOptions options;
        try {
            options = LocalOptions.parse(args, System.getenv());
        } catch (LocalOptions.UsageException e) {
            System.err.println("gantry-local: " + e.getMessage());
            System.err.println("Run with --help to see every option.");
            System.exit(2);
            return;
        }
        // Our shutdown hook stops ElasticMQ; Pekko must not race it with a hook of its own.
        System.setProperty("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        LocalServer server;
        try {
            server = start(options);
        } catch (RuntimeException e) {
            System.err.println("gantry-local: could not start: " + e.getMessage());
            if (System.getenv("GANTRY_DEBUG") != null) e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Gantry local server stopping.");
            server.close();
        }, "gantry-local-shutdown"));
        server.awaitClose();
    }

    /**
     * Starts everything and returns once the server answers requests. Port 0 picks a free port:
     * {@link #baseUrl()} has the real one. Prints the URL and the GitHub webhook secret.
     */
    public static LocalServer start(LocalOptions options) {
        Builder b = new Builder();
        try {
            return b.build(options);
        } catch (RuntimeException | Error e) {
            closeAll(b.resources);
            throw e;
        }
    }

    /** Where the API answers, e.g. {@code http://localhost:8080}. */
    public URI baseUrl() { return baseUrl; }

    public int port() { return http.getAddress().getPort(); }

    public URI dynamoEndpoint() { return emulators.dynamoEndpoint(); }

    public URI sqsEndpoint() { return emulators.sqsEndpoint(); }

    /** The loopback fake's, or the backend's own Secrets Manager (LocalStack). */
    public URI secretsEndpoint() { return secretsEndpoint; }

    public String tableName() { return config.tableName(); }

    /** The value GitHub signs deliveries with ({@code X-Hub-Signature-256}). */
    public String githubWebhookSecret() {
        return secrets.get(config.githubWebhookSecretId());
    }

    /** Queue name (including the {@code -dlq} queues) to queue URL. */
    public Map<String, String> queueUrls() { return queueUrls; }

    /** The configuration the functions were wired with. */
    public GantryConfig config() { return config; }

    /** Null when everything is in memory. */
    public Path dataDir() { return dataDir; }

    public List<FunctionSpec> functions() { return functions; }

    /** Blocks until {@link #close()} has run (from another thread or a shutdown hook). */
    public void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the HTTP front, the secrets fake and the emulators, and releases the data directory. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
        }
        try {
            closeAll(resources);
        } finally {
            closed.countDown();
        }
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Exception e) {
                System.err.println("gantry-local: while stopping: " + e);
            }
        }
    }

    /** Starts the parts in order, remembering each so a failure (or close) stops them in reverse. */
    private static final class Builder {
        final Deque<AutoCloseable> resources = new ArrayDeque<>();
        HttpServer http;
        ExecutorService httpExecutor;
        URI baseUrl;
        AwsBackend emulators;
        URI secretsEndpoint;
        Map<String, String> secrets;
        Map<String, String> queueUrls;
        GantryConfig config;
        Path dataDir;
        List<FunctionSpec> functions;
        AutoCloseable bindOnlyStop;

        LocalServer build(LocalOptions options) {
            String region = options.get(LocalOptions.REGION);
            bindHttp(options); // first: a port in use fails before anything slow has started

            DataDir dir = null;
            if (options.dataDir() != null) {
                dir = DataDir.open(options.dataDir());
                resources.push(dir);
                dataDir = dir.root();
            }
            secrets = MasterSecrets.resolve(options, dir == null ? null : dir.secretsFile());

            // DynamoDB Local logs every failed condition (a normal outcome here) as a WARN with a stack trace.
            Configurator.setLevel("software.amazon.dynamodb", Level.ERROR);
            emulators = Backends.start(dir == null ? null : dir.dynamoDir(), options.dynamoPort(), options.sqsPort());
            resources.push(emulators);
            try (SdkHttpClient adminHttp = UrlConnectionHttpClient.create()) {
                createTable(adminHttp, region, options.tableName());
                queueUrls = createQueues(adminHttp, region);
            }

            if (emulators.secretsEndpoint() != null) { // LocalStack: the real Secrets Manager API holds them
                emulators.putSecrets(region, secrets);
                secretsEndpoint = emulators.secretsEndpoint();
            } else {
                FakeSecretsManager secretsManager;
                try {
                    secretsManager = FakeSecretsManager.start(secrets, region, options.secretsPort());
                } catch (IOException e) {
                    throw new UncheckedIOException("the fake Secrets Manager did not start: " + e.getMessage(), e);
                }
                resources.push(secretsManager);
                secretsEndpoint = secretsManager.endpoint();
            }

            Map<String, String> env = new LinkedHashMap<>(options.functionEnvironment());
            env.put("GANTRY_DYNAMODB_ENDPOINT", emulators.dynamoEndpoint().toString());
            env.put("GANTRY_SQS_ENDPOINT", emulators.sqsEndpoint().toString());
            env.put("GANTRY_SECRETS_ENDPOINT", secretsEndpoint.toString());
            for (SecretSpec spec : SecretSpec.ALL) env.put(spec.idEnvVar(), spec.defaultId());
            for (QueueSpec q : QueueSpec.ALL) env.put(q.urlEnvVar(), queueUrls.get(q.name()));
            config = GantryConfig.from(env);

            Wiring wiring = new Wiring(config, Clock.tickMillis(java.time.ZoneOffset.UTC), null, List.of());
            List<ApiGatewayFront.Deployed> deployed = new ArrayList<>();
            for (FunctionSpec spec : Catalog.API_FUNCTIONS) deployed.add(new ApiGatewayFront.Deployed(spec, instantiate(spec, wiring)));
            functions = List.copyOf(Catalog.API_FUNCTIONS);

            SqsClient workerSqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(region))
                    .endpointOverride(emulators.sqsEndpoint())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
            resources.push(workerSqs);
            var streams = software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient.builder()
                    .httpClient(UrlConnectionHttpClient.create()).region(Region.of(region)).endpointOverride(emulators.dynamoEndpoint())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
            resources.push(streams);
            String streamArn = wiring.dynamo().describeTable(r -> r.tableName(config.tableName())).table().latestStreamArn();
            resources.push(new LocalWorkers(Catalog.WORKERS, wiring, workerSqs, queueUrls, 10, streams, streamArn));

            startHttp(options, new ApiGatewayFront(deployed, region));
            banner(options);
            return new LocalServer(this);
        }

        /** Binds the port; connections wait in the backlog until {@link #startHttp} serves them. */
        private void bindHttp(LocalOptions options) {
            InetSocketAddress address = new InetSocketAddress(bindAddress(options.host()), options.port());
            try {
                http = HttpServer.create(address, 128);
            } catch (BindException e) {
                throw new IllegalStateException("port " + options.port() + " on " + options.host()
                        + " is in use; choose another with --port (or PORT), or 0 for any free port", e);
            } catch (IOException e) {
                throw new UncheckedIOException("the HTTP server did not start on " + address + ": " + e.getMessage(), e);
            }
            HttpServer server = http;
            bindOnlyStop = () -> {
                try {
                    server.stop(0);
                } catch (IllegalStateException ignored) {
                    // never started
                }
            };
            resources.push(bindOnlyStop); // replaced by the graceful stop once serving
        }

        private void startHttp(LocalOptions options, ApiGatewayFront front) {
            resources.remove(bindOnlyStop);
            int threads = Math.max(4, Math.min(16, 2 * Runtime.getRuntime().availableProcessors()));
            httpExecutor = Executors.newFixedThreadPool(threads, Threads.daemon("gantry-http"));
            http.createContext("/", front);
            http.setExecutor(httpExecutor);
            http.start();
            HttpServer server = http;
            ExecutorService executor = httpExecutor;
            resources.push(() -> {
                server.stop(1);
                executor.shutdown();
                if (!executor.awaitTermination(5, TimeUnit.SECONDS)) executor.shutdownNow();
            });
            baseUrl = URI.create("http://" + urlHost(options.host()) + ":" + http.getAddress().getPort());
        }

        private void banner(LocalOptions options) {
            StringBuilder b = new StringBuilder();
            b.append("Gantry local server listening on ").append(baseUrl).append('\n');
            b.append("  GitHub webhook secret: ").append(secrets.get(config.githubWebhookSecretId()))
                    .append("  (for a GitHub App webhook pointed at ").append(baseUrl).append("/webhooks/github)\n");
            b.append("  data:            ").append(dataDir == null
                    ? "in memory (gone when the server stops; --data-dir DIR keeps it)" : dataDir.toString()).append('\n');
            boolean embedded = emulators.kind() == Backends.Kind.EMBEDDED;
            b.append(embedded ? "  DynamoDB Local:  " : "  DynamoDB:        ").append(emulators.dynamoEndpoint()).append("  table ").append(config.tableName()).append('\n');
            b.append(embedded ? "  ElasticMQ (SQS): " : "  SQS:             ").append(emulators.sqsEndpoint()).append("  ").append(QueueSpec.ALL.size())
                    .append(" queues, each with a DLQ\n");
            b.append("  Secrets Manager: ").append(secretsEndpoint).append(embedded ? "  (loopback fake)\n" : "  (" + emulators.kind().id() + ")\n");
            b.append("  functions:      ");
            for (FunctionSpec f : functions) b.append(' ').append(f.name()).append(" (").append(f.routes().routes().size()).append(" routes)");
            b.append('\n');
            System.out.print(b);
            System.out.flush();
        }

        private void createTable(SdkHttpClient httpClient, String region, String table) {
            try (DynamoDbClient dynamo = DynamoDbClient.builder().httpClient(httpClient).region(Region.of(region))
                    .credentialsProvider(CREDENTIALS).endpointOverride(emulators.dynamoEndpoint()).build()) {
                // ListTables rather than DescribeTable: DynamoDB Local logs a stack trace for every missing table.
                boolean exists = dynamo.listTablesPaginator().tableNames().stream().anyMatch(table::equals);
                if (exists) { // kept from an earlier run: add the indexes later versions introduced
                    addMissingIndexes(dynamo, table);
                    return;
                }
                dynamo.createTable(TableDefinition.createTableRequest(table));
                dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
                try {
                    dynamo.updateTimeToLive(r -> r.tableName(table)
                            .timeToLiveSpecification(t -> t.attributeName(Keys.TTL).enabled(true)));
                } catch (RuntimeException e) {
                    System.err.println("gantry-local: could not enable TTL on " + table + " (expired items stay): " + e.getMessage());
                }
            }
        }

        /** A data directory from before an index existed gets it (GSI2 and GSI3 came with deploys). */
        private static void addMissingIndexes(DynamoDbClient dynamo, String table) {
            var existing = dynamo.describeTable(r -> r.tableName(table)).table().globalSecondaryIndexes().stream()
                    .map(i -> i.indexName()).collect(java.util.stream.Collectors.toSet());
            var wanted = TableDefinition.createTableRequest(table);
            for (var index : wanted.globalSecondaryIndexes()) {
                if (existing.contains(index.indexName())) continue;
                dynamo.updateTable(r -> r.tableName(table).attributeDefinitions(wanted.attributeDefinitions())
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(index.indexName()).keySchema(index.keySchema())
                                .projection(index.projection()))));
                System.err.println("gantry-local: added index " + index.indexName() + " to " + table);
            }
        }

        /** Every queue of {@link QueueSpec#ALL} and its DLQ, with the redrive policy and visibility timeout AWS gets. */
        private Map<String, String> createQueues(SdkHttpClient httpClient, String region) {
            Map<String, String> urls = new LinkedHashMap<>();
            try (SqsClient sqs = SqsClient.builder().httpClient(httpClient).region(Region.of(region))
                    .credentialsProvider(CREDENTIALS).endpointOverride(emulators.sqsEndpoint()).build()) {
                for (QueueSpec q : QueueSpec.ALL) {
                    String dlqUrl = createQueue(sqs, q.deadLetterName(),
                            Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, String.valueOf(14 * 24 * 3600)));
                    String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                            .attributes().get(QueueAttributeName.QUEUE_ARN);
                    String redrive = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + q.maxReceiveCount() + "\"}";
                    String url = createQueue(sqs, q.name(), Map.of(
                            QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(q.visibilityTimeoutSeconds()),
                            QueueAttributeName.REDRIVE_POLICY, redrive));
                    urls.put(q.name(), url);
                    urls.put(q.deadLetterName(), dlqUrl);
                }
            }
            return java.util.Collections.unmodifiableMap(urls);
        }

        private static String createQueue(SqsClient sqs, String name, Map<QueueAttributeName, String> attributes) {
            try {
                return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
            } catch (QueueNameExistsException e) {
                String url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
                sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(attributes));
                return url;
            }
        }

        @SuppressWarnings("unchecked")
        private static RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> instantiate(FunctionSpec spec, Wiring wiring) {
            try {
                Class<?> type = Class.forName(spec.handlerClass());
                if (!RequestHandler.class.isAssignableFrom(type)) {
                    throw new IllegalStateException(spec.handlerClass() + " is not a RequestHandler");
                }
                return (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) type.getConstructor(Wiring.class).newInstance(wiring);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("the " + spec.name() + " function did not initialize: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the " + spec.name() + " function's handler " + spec.handlerClass()
                        + " needs a public (Wiring) constructor: " + e, e);
            }
        }

        private static InetAddress bindAddress(String host) {
            try {
                return host.equals("localhost") ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
            } catch (IOException e) {
                throw new LocalOptions.UsageException("--host " + host + " is not an address of this machine: " + e.getMessage());
            }
        }

        /** How a browser on this machine reaches the server. */
        private static String urlHost(String host) {
            return switch (host) {
                case "127.0.0.1", "localhost", "0.0.0.0", "::", "[::]" -> "localhost";
                case "::1", "[::1]" -> "[::1]";
                default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            };
        }
    }
}

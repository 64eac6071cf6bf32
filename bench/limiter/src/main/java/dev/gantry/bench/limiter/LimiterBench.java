package dev.gantry.bench.limiter;

import com.amazonaws.ClientConfiguration;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.handlers.RequestHandler2;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDB;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDBClientBuilder;
import com.amazonaws.services.dynamodbv2.model.AttributeDefinition;
import com.amazonaws.services.dynamodbv2.model.BillingMode;
import com.amazonaws.services.dynamodbv2.model.CreateTableRequest;
import com.amazonaws.services.dynamodbv2.model.KeySchemaElement;
import com.amazonaws.services.dynamodbv2.model.KeyType;
import com.amazonaws.services.dynamodbv2.model.ScalarAttributeType;
import com.amazonaws.services.dynamodbv2.model.UpdateItemRequest;
import dev.gantry.emulators.Emulators;
import dev.gantry.shared.limits.RateLimitDecision;
import dev.gantry.shared.limits.RateLimitPolicy;
import dev.gantry.shared.limits.TokenBuckets;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.TableDefinition;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.dynamodb.v1.DynamoDBProxyManager;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rate-limit decisions per second against DynamoDB Local, in one run, side by side:
 * <ul>
 * <li><b>raw UpdateItem</b> ({@code SET n = n + :one} on one item, AWS SDK v2 with the url-connection
 * client, as the functions use): the ceiling a one-write limiter can reach;</li>
 * <li><b>Gantry</b> ({@link TokenBuckets}, the same client and table): busy path (a generous bucket
 * being spent: every decision an admission), reject path (an empty bucket), and idle path (a bucket
 * that refills between any two decisions, the branch that races under contention);</li>
 * <li><b>Bucket4j</b> 8.6.0's DynamoDB integration ({@code bucket4j-dynamodb-sdk-v1}: a
 * compare-and-swap of GetItem + conditional PutItem) on AWS SDK v1, with the same bucket sizes, and a
 * raw UpdateItem through that same SDK v1 client as its own ceiling.</li>
 * </ul>
 * Each runs with 1 thread and with N threads (default 8) on one bucket; each thread has its own
 * Gantry {@code TokenBuckets} (its own branch predictor), as N Lambda containers would. DynamoDB
 * API calls are counted per client (SDK v2 ExecutionInterceptor, SDK v1 RequestHandler2), once per
 * call (SDK retries are not counted; DynamoDB Local does not throttle). Iterations are interleaved
 * across all setups, rotating the order, so machine noise falls on all of them alike.
 */
public final class LimiterBench {
    private LimiterBench() {}

    record Options(double warmupSeconds, int iterations, double seconds, int threads, Path markdown, List<String> only) {
        static Options parse(String[] args) {
            double warmup = 2, seconds = 3;
            int iterations = 5, threads = 8;
            Path markdown = null;
            List<String> only = List.of();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                    case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    case "--markdown" -> markdown = Path.of(args[++i]);
                    case "--only" -> only = List.of(args[++i].split("\\|"));
                    case "--help", "-h" -> {
                        System.out.println("""
                                LimiterBench [--warmup S] [--iterations N] [--seconds S] [--threads N] [--markdown FILE] [--only A|B]
                                  --warmup S      seconds of warm-up per setup before measuring (default 2)
                                  --iterations N  measured iterations per setup, interleaved (default 5)
                                  --seconds S     length of one iteration (default 3)
                                  --threads N     the contended case: N threads on one bucket (default 8)
                                  --markdown FILE also write the result table there
                                  --only A|B      only the setups whose name contains one of these strings (the raw
                                                  UpdateItem each one is compared with is always kept)""");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--help lists them)");
                }
            }
            return new Options(warmup, iterations, seconds, threads, markdown, only);
        }
    }

    /** A generous bucket: a billion tokens, refilled at 2000/min (team's rate); every decision in a run is an admission. */
    static final RateLimitPolicy GENEROUS = new RateLimitPolicy("bench", 2000, 1_000_000_000);
    /** An empty bucket: one token a minute, spent before measuring; every decision is a rejection. */
    static final RateLimitPolicy EMPTY = new RateLimitPolicy("bench", 1, 1);
    /**
     * A bucket that refills between any two decisions (T = 1 µs): every decision takes GCRA's idle
     * branch. Its tolerance (a million tokens, 1 s) is far above a decision's latency, so a decision
     * whose timestamp is older than one that landed before it is still admitted.
     */
    static final RateLimitPolicy IDLE = new RateLimitPolicy("bench", Integer.MAX_VALUE, 1_000_000);

    /** Counts API calls of an SDK v2 client. */
    static final class V2Calls implements ExecutionInterceptor {
        final LongAdder calls = new LongAdder();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            calls.increment();
        }
    }

    /** Counts API calls of an SDK v1 client. */
    static final class V1Calls extends RequestHandler2 {
        final LongAdder calls = new LongAdder();

        @Override
        public com.amazonaws.AmazonWebServiceRequest beforeExecution(com.amazonaws.AmazonWebServiceRequest request) {
            calls.increment();
            return request;
        }
    }

    /** One decision (or one raw write); answers true when it admitted. */
    @FunctionalInterface
    interface Decide {
        boolean once();
    }

    /** One setup: how to make a thread's worker, and the counter of its client's calls. */
    record Setup(String name, String group, int threads, java.util.function.IntFunction<Decide> worker, LongAdder calls) {}

    /** What a setup measured over the iterations. */
    static final class Result {
        final List<Double> perSecond = new ArrayList<>();
        long decisions, admitted, calls;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        // The url-connection client keeps at most http.maxConnections idle connections per host (JDK default 5);
        // with N threads that would reopen connections on every call. SDK v1's Apache pool holds 50.
        System.setProperty("http.maxConnections", "64");
        Configurator.setLevel("software.amazon.dynamodb", Level.ERROR); // DynamoDB Local logs each failed condition
        Configurator.setLevel("com.amazonaws", Level.ERROR);
        Configurator.setLevel("dev.gantry", Level.WARN);

        try (Emulators emulators = Emulators.start(null, 0, 0)) {
            URI endpoint = emulators.dynamoEndpoint();
            V2Calls v2Calls = new V2Calls(), v2ApacheCalls = new V2Calls();
            DynamoDbClient v2 = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .endpointOverride(endpoint)
                    .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(v2Calls).build()).build();
            DynamoDbClient v2Apache = DynamoDbClient.builder().httpClient(ApacheHttpClient.builder().maxConnections(64).build())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .endpointOverride(endpoint)
                    .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(v2ApacheCalls).build()).build();
            V1Calls v1Calls = new V1Calls();
            AmazonDynamoDB v1 = AmazonDynamoDBClientBuilder.standard()
                    .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint.toString(), "us-east-1"))
                    .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("local", "local")))
                    .withClientConfiguration(new ClientConfiguration().withMaxConnections(64))
                    .withRequestHandlers(v1Calls).build();

            String tableName = "gantry-bench";
            v2.createTable(TableDefinition.createTableRequest(tableName));
            Table table = new Table(v2, tableName);
            Table tableApache = new Table(v2Apache, tableName);
            String bucket4jTable = "bucket4j-bench"; // Bucket4j's own schema: hash key "key" (S), state in "state" (B)
            v1.createTable(new CreateTableRequest().withTableName(bucket4jTable).withBillingMode(BillingMode.PAY_PER_REQUEST)
                    .withAttributeDefinitions(new AttributeDefinition("key", ScalarAttributeType.S))
                    .withKeySchema(new KeySchemaElement("key", KeyType.HASH)));
            ProxyManager<String> bucket4j = DynamoDBProxyManager.stringKey(v1, bucket4jTable, ClientSideConfig.getDefault());

            List<Setup> setups = new ArrayList<>();
            for (int threads : new int[]{1, o.threads()}) {
                String n = threads == 1 ? "1 thread" : threads + " threads, one bucket";
                setups.add(rawV2("raw UpdateItem, SDK v2 url-connection", table, threads, v2Calls, n));
                setups.add(gantry("Gantry limiter, busy (admits), SDK v2 url-connection", GENEROUS, false, table, threads, v2Calls, n));
                setups.add(rawV2("raw UpdateItem, SDK v2 Apache", tableApache, threads, v2ApacheCalls, n));
                setups.add(rawLimiterShape(tableApache, threads, v2ApacheCalls, n, true));
                setups.add(rawLimiterShape(tableApache, threads, v2ApacheCalls, n, false));
                setups.add(gantry("Gantry limiter, busy (admits), SDK v2 Apache", GENEROUS, false, tableApache, threads, v2ApacheCalls, n));
                setups.add(gantry("Gantry limiter, empty (rejects), SDK v2 Apache", EMPTY, true, tableApache, threads, v2ApacheCalls, n));
                setups.add(gantry("Gantry limiter, idle branch (admits), SDK v2 Apache", IDLE, false, tableApache, threads, v2ApacheCalls, n));
                setups.add(rawV1(v1, bucket4jTable, threads, v1Calls, n));
                setups.add(bucket4j("Bucket4j DynamoDB, busy (admits), SDK v1 Apache", GENEROUS, false, bucket4j, threads, v1Calls, n));
                setups.add(bucket4j("Bucket4j DynamoDB, empty (rejects), SDK v1 Apache", EMPTY, true, bucket4j, threads, v1Calls, n));
            }

            if (!o.only().isEmpty()) {
                setups.removeIf(s -> !s.name().startsWith("raw UpdateItem, ") && o.only().stream().noneMatch(s.name()::contains));
                Set<String> clients = new java.util.HashSet<>();
                for (Setup s : setups) if (!s.name().startsWith("raw UpdateItem, ")) clients.add(client(s.name()));
                setups.removeIf(s -> s.name().startsWith("raw UpdateItem, ") && !clients.contains(client(s.name())));
            }
            String load0 = loadAverage();
            Instant started = Instant.now();
            for (Setup s : setups) run(s, o.warmupSeconds(), null);
            Map<Setup, Result> results = new LinkedHashMap<>();
            for (Setup s : setups) results.put(s, new Result());
            for (int i = 0; i < o.iterations(); i++) {
                for (int k = 0; k < setups.size(); k++) {
                    Setup s = setups.get((k + i) % setups.size()); // rotate the order each iteration
                    run(s, o.seconds(), results.get(s));
                }
            }
            String report = report(o, results, started, load0, loadAverage());
            System.out.print(report);
            if (o.markdown() != null) {
                try {
                    Files.writeString(o.markdown(), report);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            v1.shutdown();
            v2.close();
            v2Apache.close();
        }
        System.exit(0); // DynamoDB Local and ElasticMQ keep non-daemon threads
    }

    private static Setup rawV2(String name, Table table, int threads, V2Calls calls, String n) {
        var key = Keys.key("BENCH#" + name + "#" + threads, "RAW");
        return new Setup(name, n, threads, t -> () -> {
            table.client().updateItem(b -> b.tableName(table.name()).key(key)
                    .updateExpression("SET n = if_not_exists(n, :zero) + :one")
                    .expressionAttributeValues(Map.of(":one", Attr.n(1), ":zero", Attr.n(0))));
            return true;
        }, calls.calls);
    }

    /**
     * A raw UpdateItem of exactly the limiter's busy write (same item, update, condition and return values:
     * {@link TokenBuckets#BUSY_UPDATE}, {@link TokenBuckets#BUSY_CONDITION}, {@link TokenBuckets#ADMISSION_RETURNS}), without
     * the limiter around it: separates what DynamoDB Local charges for the request's shape from the limiter's own work.
     * {@code allNew}: the shape before UPDATED_NEW ({@code SET tat = tat + iv, lim = lim + iv}, ALL_NEW), for comparison.
     */
    private static Setup rawLimiterShape(Table table, int threads, V2Calls calls, String n, boolean allNew) {
        var key = Keys.key("BENCH#shape#" + allNew + "#" + threads, "RL");
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item = new java.util.HashMap<>(
                TokenBuckets.workspaceBucketItem("ws_bench", dev.gantry.shared.plans.Plan.TEAM));
        item.putAll(key);
        item.put("tat", Attr.n(0));
        item.put("lim", Attr.n(Long.MIN_VALUE / 2)); // the condition always holds
        table.client().putItem(b -> b.tableName(table.name()).item(item));
        String update = allNew ? "SET tat = tat + iv, lim = lim + iv" : TokenBuckets.BUSY_UPDATE;
        var returns = allNew ? software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_NEW : TokenBuckets.ADMISSION_RETURNS;
        String name = allNew ? "raw UpdateItem shaped like the limiter's previous busy write (ALL_NEW), SDK v2 Apache"
                : "raw UpdateItem shaped like the limiter's busy write, SDK v2 Apache";
        return new Setup(name, n, threads, t -> () -> {
            table.client().updateItem(b -> b.tableName(table.name()).key(key)
                    .updateExpression(update).conditionExpression(TokenBuckets.BUSY_CONDITION)
                    .expressionAttributeValues(Map.of(":now", Attr.n(0)))
                    .returnValues(returns)
                    .returnValuesOnConditionCheckFailure(software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        }, calls.calls);
    }

    private static Setup rawV1(AmazonDynamoDB v1, String tableName, int threads, V1Calls calls, String n) {
        var key = Map.of("key", new com.amazonaws.services.dynamodbv2.model.AttributeValue().withS("raw#" + threads));
        var values = Map.of(":one", new com.amazonaws.services.dynamodbv2.model.AttributeValue().withN("1"),
                ":zero", new com.amazonaws.services.dynamodbv2.model.AttributeValue().withN("0"));
        return new Setup("raw UpdateItem, SDK v1 Apache", n, threads, t -> () -> {
            v1.updateItem(new UpdateItemRequest().withTableName(tableName).withKey(key)
                    .withUpdateExpression("SET n = if_not_exists(n, :zero) + :one").withExpressionAttributeValues(values));
            return true;
        }, calls.calls);
    }

    private static Setup gantry(String name, RateLimitPolicy policy, boolean spendFirst, Table table, int threads, V2Calls calls, String n) {
        TokenBuckets.Bucket bucket = TokenBuckets.Bucket.of(Keys.key("BENCH#gantry#" + name + "#" + threads, "RL"), policy);
        if (spendFirst) new TokenBuckets(table, Clock.systemUTC(), ws -> policy).tryTake(bucket);
        return new Setup(name, n, threads, t -> {
            TokenBuckets container = new TokenBuckets(table, Clock.systemUTC(), ws -> policy); // one per thread, as one per Lambda container
            return () -> container.tryTake(bucket).admitted();
        }, calls.calls);
    }

    private static Setup bucket4j(String name, RateLimitPolicy policy, boolean spendFirst, ProxyManager<String> proxies, int threads,
                                  V1Calls calls, String n) {
        String key = "bucket4j#" + name + "#" + threads;
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(policy.burst()).refillGreedy(Math.min(policy.requestsPerMinute(), 1_000_000), Duration.ofMinutes(1)))
                .build();
        if (spendFirst) proxies.builder().build(key, () -> config).tryConsume(1);
        return new Setup(name, n, threads, t -> {
            var bucket = proxies.builder().build(key, () -> config);
            return () -> bucket.tryConsume(1);
        }, calls.calls);
    }

    /** Runs one setup for {@code seconds}: its threads start together and stop at the same deadline. */
    private static void run(Setup s, double seconds, Result into) throws Exception {
        List<Decide> workers = new ArrayList<>();
        for (int t = 0; t < s.threads(); t++) workers.add(s.worker().apply(t));
        CyclicBarrier start = new CyclicBarrier(s.threads() + 1);
        AtomicLong decisions = new AtomicLong(), admitted = new AtomicLong();
        long[] deadline = new long[1];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (Decide w : workers) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    long n = 0, a = 0;
                    while (System.nanoTime() < deadline[0]) {
                        if (w.once()) a++;
                        n++;
                    }
                    decisions.addAndGet(n);
                    admitted.addAndGet(a);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        long callsBefore = s.calls().sum();
        long t0 = System.nanoTime();
        deadline[0] = t0 + (long) (seconds * 1e9);
        start.await();
        for (Thread th : threads) th.join();
        long elapsed = System.nanoTime() - t0;
        if (!failures.isEmpty()) throw new IllegalStateException(s.name() + " failed", failures.getFirst());
        if (into != null) {
            into.perSecond.add(decisions.get() / (elapsed / 1e9));
            into.decisions += decisions.get();
            into.admitted += admitted.get();
            into.calls += s.calls().sum() - callsBefore;
        }
    }

    private static String report(Options o, Map<Setup, Result> results, Instant started, String load0, String load1) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Run %s, %d iterations of %.0f s per setup (warm-up %.0f s), interleaved; load average %s at start, %s at end; %s, %d cores.%n%n",
                started, o.iterations(), o.seconds(), o.warmupSeconds(), load0, load1, Runtime.version(), Runtime.getRuntime().availableProcessors()));
        String group = null;
        Map<String, Double> rawMedian = new LinkedHashMap<>(); // group + client -> the raw UpdateItem's median
        Map<String, List<Double>> rawRuns = new LinkedHashMap<>(); // group + client -> the raw UpdateItem's iterations, in order
        for (var e : results.entrySet()) {
            Setup s = e.getKey();
            if (s.name().startsWith("raw UpdateItem, ")) {
                rawMedian.put(s.group() + "|" + client(s.name()), median(e.getValue().perSecond));
                rawRuns.put(s.group() + "|" + client(s.name()), e.getValue().perSecond);
            }
        }
        for (var e : results.entrySet()) {
            Setup s = e.getKey();
            Result r = e.getValue();
            if (!s.group().equals(group)) {
                group = s.group();
                b.append("\n**").append(group).append("**\n\n");
                b.append("| setup | decisions/s min | median | max | median vs the raw UpdateItem on the same client | paired: per-iteration ratio to that raw UpdateItem, median (quartiles) | DynamoDB calls per decision | admitted |\n");
                b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            }
            List<Double> sorted = r.perSecond.stream().sorted().toList();
            double med = median(r.perSecond);
            List<Double> ratios = pairedRatios(r.perSecond, rawRuns.get(s.group() + "|" + client(s.name())));
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.0f %% | %.0f %% (%.0f–%.0f %%) | %.3f | %.1f %% |%n", s.name(),
                    sorted.getFirst(), med, sorted.getLast(), 100 * med / rawMedian.get(s.group() + "|" + client(s.name())),
                    100 * median(ratios), 100 * quantile(ratios, 0.25), 100 * quantile(ratios, 0.75), (double) r.calls / r.decisions,
                    100.0 * r.admitted / r.decisions));
        }
        return b.toString();
    }

    /** The client a setup's name ends with, e.g. "SDK v2 Apache". */
    private static String client(String name) {
        return name.substring(name.lastIndexOf(", ") + 2);
    }

    /**
     * Iteration i of a setup divided by iteration i of its raw UpdateItem: the two ran in the same round,
     * seconds apart, so load that changes over minutes cancels out of the ratio.
     */
    static List<Double> pairedRatios(List<Double> runs, List<Double> raw) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(runs.size(), raw.size()); i++) r.add(runs.get(i) / raw.get(i));
        return r;
    }

    /** The q-quantile, linearly interpolated between the sorted values. */
    static double quantile(List<Double> values, double q) {
        List<Double> s = values.stream().sorted().toList();
        double pos = q * (s.size() - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return s.get(lo) + (s.get(hi) - s.get(lo)) * (pos - lo);
    }

    static double median(List<Double> values) {
        List<Double> s = values.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}

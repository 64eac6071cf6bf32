package dev.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.invoke.Breakdown;
import dev.gantry.bench.invoke.Invoke;
import dev.gantry.functions.identity.IdentityRoutes;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * The cold-start benchmark of the identity function. Starts the local server in this JVM (for
 * DynamoDB Local, the table and the fake Secrets Manager), signs a user up over HTTP for an access
 * token, then runs each sample event in fresh child JVMs (the function's shaded jar + the invoker,
 * nothing else) under each JVM flag variant, interleaved, and prints a Markdown report: min / median /
 * max of time to first answer, init, first invoke, classes loaded and the child's wall time; a
 * staged breakdown of where the time goes; and the loaded classes by library.
 *
 * <p>Nothing here judges the numbers: a failed child, a missing result line or an HTTP status of
 * 400 or more fails the run, a slow one never does.
 *
 * <p>{@code bench/coldstart.sh [options]} builds and runs it; {@code --help} lists the options.
 */
public final class ColdStartBench {
    static final String TOKEN_PLACEHOLDER = "{{token}}";

    private ColdStartBench() {}

    // ---- options ---------------------------------------------------------------------------------

    /**
     * {@code compareJars}: further builds of the same function (label to jar), measured in the same
     * run, interleaved with the main one, so that their numbers are comparable.
     */
    public record Options(Path repoRoot, Path functionJar, Map<String, Path> compareJars, Path invokerJar, String handlerClass,
                          List<Path> events, int runs, int warmup, int breakdownRuns, boolean classHistogram,
                          List<Variant> variants, Path markdownOut, Duration childTimeout) {

        /** Paths from system properties when set (the build sets them for tests), else relative to the repository root. */
        public static Options defaults() {
            Path root = Path.of(System.getProperty("gantry.repoRoot", ".")).toAbsolutePath().normalize();
            Path functionJar = System.getProperty("gantry.bench.functionJar") != null
                    ? Path.of(System.getProperty("gantry.bench.functionJar"))
                    : root.resolve("functions/identity/target/identity.jar");
            Path invokerJar = System.getProperty("gantry.bench.invokerJar") != null
                    ? Path.of(System.getProperty("gantry.bench.invokerJar")) : null; // found in bench/target when run
            return new Options(root, functionJar, Map.of(), invokerJar, IdentityRoutes.SPEC.handlerClass(),
                    List.of(root.resolve("events/identity/health.json"), root.resolve("events/identity/me.json")),
                    7, 1, 3, true, Variant.ALL, null, Duration.ofSeconds(120));
        }

        public Options withRuns(int n) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, n, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withWarmup(int n) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, runs, n, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withBreakdownRuns(int n) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, runs, warmup, n, classHistogram, variants, markdownOut, childTimeout); }
        public Options withClassHistogram(boolean on) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, runs, warmup, breakdownRuns, on, variants, markdownOut, childTimeout); }
        public Options withVariants(List<Variant> v) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, runs, warmup, breakdownRuns, classHistogram, List.copyOf(v), markdownOut, childTimeout); }
        public Options withEvents(List<Path> e) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, List.copyOf(e), runs, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withHandlerClass(String h) { return new Options(repoRoot, functionJar, compareJars, invokerJar, h, events, runs, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withFunctionJar(Path p) { return new Options(repoRoot, p, compareJars, invokerJar, handlerClass, events, runs, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withCompareJars(Map<String, Path> jars) { return new Options(repoRoot, functionJar, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(jars)), invokerJar, handlerClass, events, runs, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withInvokerJar(Path p) { return new Options(repoRoot, functionJar, compareJars, p, handlerClass, events, runs, warmup, breakdownRuns, classHistogram, variants, markdownOut, childTimeout); }
        public Options withMarkdownOut(Path p) { return new Options(repoRoot, functionJar, compareJars, invokerJar, handlerClass, events, runs, warmup, breakdownRuns, classHistogram, variants, p, childTimeout); }

        static final String HELP = """
                Usage: bench/coldstart.sh [options]     (or: java -cp ... dev.gantry.bench.ColdStartBench [options])

                Cold starts of the identity function: each event in fresh child JVMs whose classpath is the
                function's shaded jar plus the bench invoker, against the local server's DynamoDB Local and
                fake Secrets Manager. Prints a Markdown report on standard output; progress on standard error.
                Relative paths are relative to the repository root.

                  --runs N              measured cold starts per event and setup (default 7)
                  --warmup N            discarded cold starts per event and setup first (default 1)
                  --breakdown-runs N    staged-breakdown runs per event and setup, 0 to skip (default 3)
                  --no-class-histogram  skip the -Xlog:class+load run that counts loaded classes by library
                  --variants LIST       default,c1 (default both): default JVM flags; C1 only, as the CDK stack sets
                  --event FILE          an API Gateway v2 event (repeatable; default events/identity/health.json
                                        and events/identity/me.json); {{token}} becomes a fresh access token
                  --handler CLASS       handler class (default the identity function's)
                  --function-jar FILE   default functions/identity/target/identity.jar
                  --compare-jar LABEL=FILE
                                        another build of the function, measured in the same run, interleaved
                                        (repeatable); its columns are headed LABEL
                  --invoker-jar FILE    default bench/target/gantry-bench-*-invoker.jar
                  --markdown FILE       also write the report there
                  -h, --help            this text

                Environment: GANTRY_BENCH_KEEP=1 keeps the children's logs; GANTRY_DEBUG=1 prints stack traces.
                """;

        public static Options parse(String[] args) {
            Options o = defaults();
            List<Path> events = new ArrayList<>();
            Map<String, Path> compare = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--runs" -> o = o.withRuns(positive(a, value(args, ++i, a), 1));
                    case "--warmup" -> o = o.withWarmup(positive(a, value(args, ++i, a), 0));
                    case "--breakdown-runs" -> o = o.withBreakdownRuns(positive(a, value(args, ++i, a), 0));
                    case "--no-class-histogram" -> o = o.withClassHistogram(false);
                    case "--variants" -> {
                        List<Variant> v = new ArrayList<>();
                        for (String name : value(args, ++i, a).split(",")) v.add(Variant.named(name.trim()));
                        o = o.withVariants(v);
                    }
                    case "--event" -> events.add(Path.of(value(args, ++i, a)));
                    case "--handler" -> o = o.withHandlerClass(value(args, ++i, a));
                    case "--function-jar" -> o = o.withFunctionJar(Path.of(value(args, ++i, a)));
                    case "--compare-jar" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0 || eq == v.length() - 1 || !v.substring(0, eq).matches("[A-Za-z0-9._-]+")) {
                            throw new IllegalArgumentException("--compare-jar wants LABEL=FILE (label: letters, digits, . _ -), not " + v);
                        }
                        if (compare.put(v.substring(0, eq), Path.of(v.substring(eq + 1))) != null) {
                            throw new IllegalArgumentException("--compare-jar label " + v.substring(0, eq) + " given twice");
                        }
                    }
                    case "--invoker-jar" -> o = o.withInvokerJar(Path.of(value(args, ++i, a)));
                    case "--markdown" -> o = o.withMarkdownOut(Path.of(value(args, ++i, a)));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "' (--help lists them)");
                }
            }
            if (!compare.isEmpty()) o = o.withCompareJars(compare);
            return events.isEmpty() ? o : o.withEvents(events);
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            return args[i];
        }

        private static int positive(String flag, String v, int min) {
            try {
                int n = Integer.parseInt(v);
                if (n < min) throw new IllegalArgumentException(flag + " must be at least " + min + ", not " + v);
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " must be a number, not " + v);
            }
        }

        /** The invoker jar given, or the one the build wrote to bench/target. */
        Path resolvedInvokerJar() {
            if (invokerJar != null) return invokerJar;
            Path target = repoRoot.resolve("bench/target");
            List<Path> found = new ArrayList<>();
            if (Files.isDirectory(target)) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(target, "gantry-bench-*-invoker.jar")) {
                    s.forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (found.size() != 1) {
                throw new IllegalStateException("expected one bench/target/gantry-bench-*-invoker.jar, found " + found
                        + "; build it with ./mvnw -B -q -DskipTests install, or give --invoker-jar");
            }
            return found.get(0);
        }

        /** Relative paths are taken from the repository root (the script runs there). */
        Path resolve(Path p) {
            return repoRoot.resolve(p).toAbsolutePath().normalize();
        }
    }

    // ---- results -----------------------------------------------------------------------------------

    /** A function jar as measured: its label (null for the main one), where it came from, size and digest. */
    public record Jar(String label, Path source, long bytes, String sha256) {}

    /** One column group of the report: a jar under a JVM flag variant. */
    public record Setup(String name, Jar jar, Variant variant) {}

    /** One measured cold start: the child's own line and the wall time the parent saw. */
    public record Measurement(InvokeLine line, double wallMillis) {}

    public record Key(Path event, String setup) {}

    public record Results(Options options, Instant started, String javaVersion, int cores, long memoryBytes,
                          double loadAtStart, double loadAtEnd, String source, List<Jar> jars, List<Setup> setups,
                          Map<Path, String> routeKeys, Map<Variant, InvokeLine> baselines, Map<Key, List<Measurement>> runs,
                          Map<Key, List<InvokeLine>> breakdowns, Map<Key, Map<String, Integer>> histograms) {
        /** The main jar's cold starts under {@code variant}. */
        public List<Measurement> runs(Path event, Variant variant) { return runs(event, variant.name()); }

        public List<Measurement> runs(Path event, String setup) { return runs.getOrDefault(new Key(event, setup), List.of()); }
    }

    // ---- running -----------------------------------------------------------------------------------

    public static void main(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(Options.HELP);
                return;
            }
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("coldstart: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Our close() stops ElasticMQ; Pekko must not race it with a shutdown hook of its own.
        System.setProperty("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        try {
            Results results = run(options, System.err);
            String report = markdown(results);
            System.out.println();
            System.out.print(report);
            if (options.markdownOut() != null) {
                Path out = options.resolve(options.markdownOut());
                Files.writeString(out, report, StandardCharsets.UTF_8);
                System.err.println("coldstart: report written to " + out);
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("coldstart: " + e.getMessage());
            if (System.getenv("GANTRY_DEBUG") != null) e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // the emulators leave non-daemon threads behind
    }

    public static Results run(Options options, PrintStream progress) {
        Map<String, Path> jarSources = new LinkedHashMap<>();
        jarSources.put(null, options.resolve(options.functionJar()));
        options.compareJars().forEach((label, p) -> jarSources.put(label, options.resolve(p)));
        jarSources.forEach((label, p) -> {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("no function jar at " + p + (label == null ? "; build it with ./mvnw -B -q -DskipTests install" : ""));
            }
        });
        Path invokerJar = options.resolvedInvokerJar();
        if (!Files.isRegularFile(invokerJar)) throw new IllegalStateException("no invoker jar at " + invokerJar);
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        FunctionSpec spec = IdentityRoutes.SPEC;

        Path work;
        try {
            work = Files.createTempDirectory("gantry-coldstart");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (LocalServer server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4))) {
            Map<String, String> env = childEnvironment(server.config(), server.queueUrls(), spec);
            // Snapshots: a build running beside the benchmark must not swap a jar between two children.
            List<Jar> jars = new ArrayList<>();
            Map<Jar, ChildJvm> children = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : jarSources.entrySet()) {
                Path dir = Files.createDirectories(work.resolve(e.getKey() == null ? "main" : "compare-" + e.getKey()));
                Path copy = dir.resolve(e.getValue().getFileName());
                Files.copy(e.getValue(), copy);
                Jar jar = new Jar(e.getKey(), e.getValue(), Files.size(copy), sha256(copy));
                jars.add(jar);
                children.put(jar, new ChildJvm(copy, invokerJar, env, dir, options.childTimeout()));
            }
            List<Setup> setups = new ArrayList<>();
            for (Jar jar : jars) {
                for (Variant v : options.variants()) setups.add(new Setup(jar.label() == null ? v.name() : jar.label() + " " + v.name(), jar, v));
            }
            ChildJvm main = children.get(jars.get(0));

            String token = signUp(server.baseUrl());
            Map<Path, Path> eventFiles = new LinkedHashMap<>();
            Map<Path, String> routeKeys = new LinkedHashMap<>();
            for (Path given : options.events()) {
                Path event = options.resolve(given);
                String text = read(event).replace(TOKEN_PLACEHOLDER, token);
                if (text.contains("{{")) throw new IllegalArgumentException(event + " has a placeholder other than " + TOKEN_PLACEHOLDER);
                Path file = work.resolve(event.getFileName().toString());
                write(file, text);
                eventFiles.put(event, file);
                routeKeys.put(event, routeKey(text));
            }
            progress.printf("coldstart: %s; children run %s -cp <function jar>:%s (logs in %s; kept if GANTRY_BENCH_KEEP is set)%n",
                    Runtime.version(), main.java(), invokerJar, work);

            Map<Variant, InvokeLine> baselines = new LinkedHashMap<>();
            for (Variant v : options.variants()) {
                baselines.put(v, main.run("baseline-" + v.name(), v, List.of(), Invoke.class.getName(), List.of("--baseline")).line());
            }

            Map<Key, List<Measurement>> runs = new LinkedHashMap<>();
            int total = options.warmup() + options.runs();
            for (int i = 0; i < total; i++) {
                boolean warm = i < options.warmup();
                for (Path event : eventFiles.keySet()) {
                    for (Setup setup : setups) {
                        String name = childName(event, setup, warm ? "warmup" + (i + 1) : "run" + (i - options.warmup() + 1));
                        ChildJvm.Result r = children.get(setup.jar()).run(name, setup.variant(), List.of(), Invoke.class.getName(),
                                List.of(options.handlerClass(), eventFiles.get(event).toString()));
                        InvokeLine line = checked(r);
                        progress.printf("coldstart: %-36s status %d, JVM start -> answer %7.1f ms, wall %7.1f ms%s%n", name,
                                line.status(), line.number("jvm_to_answer_ms"), r.wallMillis(), warm ? " (discarded)" : "");
                        if (!warm) runs.computeIfAbsent(new Key(event, setup.name()), k -> new ArrayList<>()).add(new Measurement(line, r.wallMillis()));
                    }
                }
            }

            Map<Key, List<InvokeLine>> breakdowns = new LinkedHashMap<>();
            for (int i = 0; i < options.breakdownRuns(); i++) {
                for (Path event : eventFiles.keySet()) {
                    for (Setup setup : setups) {
                        String name = childName(event, setup, "breakdown" + (i + 1));
                        InvokeLine line = checked(children.get(setup.jar()).run(name, setup.variant(), List.of(), Breakdown.class.getName(),
                                List.of(eventFiles.get(event).toString())));
                        progress.printf("coldstart: %-36s status %d%n", name, line.status());
                        breakdowns.computeIfAbsent(new Key(event, setup.name()), k -> new ArrayList<>()).add(line);
                    }
                }
            }

            Map<Key, Map<String, Integer>> histograms = new LinkedHashMap<>();
            if (options.classHistogram()) {
                for (Path event : eventFiles.keySet()) {
                    for (Jar jar : jars) {
                        Setup setup = new Setup(jar.label() == null ? "default" : jar.label() + " default", jar, Variant.DEFAULT);
                        String name = childName(event, setup, "classload");
                        Path log = work.resolve(name + ".classload.log");
                        checked(children.get(jar).run(name, Variant.DEFAULT, List.of("-Xlog:class+load=info:file=" + log),
                                Invoke.class.getName(), List.of(options.handlerClass(), eventFiles.get(event).toString())));
                        histograms.put(new Key(event, jar.label()), ClassLoadHistogram.count(Files.readAllLines(log)));
                    }
                }
            }

            long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            Results results = new Results(options, started, javaVersion(), Runtime.getRuntime().availableProcessors(), memory,
                    loadBefore, loadAfter, source(options.repoRoot()), List.copyOf(jars), List.copyOf(setups), routeKeys, baselines,
                    runs, breakdowns, histograms);
            if (System.getenv("GANTRY_BENCH_KEEP") == null) deleteTree(work); // kept when a child failed: the message names it
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String childName(Path event, Setup setup, String what) {
        return event.getFileName().toString().replace(".json", "") + "-" + setup.name().replace(' ', '-') + "-" + what;
    }

    /** The child's result line; a failed child or an error answer stops the benchmark. */
    static InvokeLine checked(ChildJvm.Result r) {
        InvokeLine line = r.line();
        if (line.status() >= 400) throw new IllegalStateException(r.describe("answered HTTP " + line.status()));
        return line;
    }

    /**
     * What the function's no-arg constructor reads, as the CDK stack gives it in AWS (table, secret
     * ids, queue URLs, Powertools settings), plus the local endpoints and the region. With an
     * endpoint set, {@code GantryConfig.local()} is true and the SDK clients use static credentials,
     * so no AWS credentials are needed. {@code GANTRY_BCRYPT_COST} is left unset: the production
     * cost (12), which only the bcrypt stage of the breakdown touches.
     */
    static Map<String, String> childEnvironment(GantryConfig config, Map<String, String> queueUrls, FunctionSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_REGION", config.region());
        env.put("GANTRY_TABLE", config.tableName());
        env.put("GANTRY_DYNAMODB_ENDPOINT", config.dynamoEndpoint().toString());
        env.put("GANTRY_SECRETS_ENDPOINT", config.secretsEndpoint().toString());
        if (config.sqsEndpoint() != null) env.put("GANTRY_SQS_ENDPOINT", config.sqsEndpoint().toString());
        for (SecretSpec s : SecretSpec.ALL) env.put(s.idEnvVar(), s.defaultId());
        for (QueueSpec q : QueueSpec.ALL) {
            String url = queueUrls.get(q.name());
            if (url != null) env.put(q.urlEnvVar(), url);
        }
        env.put("POWERTOOLS_SERVICE_NAME", "gantry-" + spec.name());
        env.put("POWERTOOLS_LOG_LEVEL", "INFO");
        env.put("AWS_LAMBDA_FUNCTION_NAME", spec.name());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(spec.memoryMb()));
        return env;
    }

    /** A new user (own free workspace) signed up through the local server's HTTP API; returns the access token. */
    static String signUp(URI baseUrl) {
        String email = "coldstart-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String body = "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Cold Start\"}";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(baseUrl.resolve("/v1/auth/signup"))
                    .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) throw new IllegalStateException("signup answered " + r.statusCode() + ": " + r.body());
            JsonNode token = new ObjectMapper().readTree(r.body()).get("token");
            if (token == null || !token.isTextual()) throw new IllegalStateException("signup answered no token: " + r.body());
            return token.asText();
        } catch (IOException e) {
            throw new UncheckedIOException("signup over HTTP failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** "commit abc1234" (plus "with uncommitted changes"), or why not, best effort. */
    static String source(Path repoRoot) {
        try {
            String head = git(repoRoot, "rev-parse", "--short", "HEAD");
            if (head == null) return "not a git checkout";
            String status = git(repoRoot, "status", "--porcelain");
            return "commit " + head + (status == null || status.isBlank() ? "" : " with uncommitted changes");
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(d.digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String routeKey(String eventJson) throws IOException {
        JsonNode key = new ObjectMapper().readTree(eventJson).get("routeKey");
        return key == null ? "?" : key.asText();
    }

    private static String javaVersion() {
        return System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + p + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the report --------------------------------------------------------------------------------

    private record Metric(String label, Function<Measurement, Double> value, boolean count) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("JVM start → first answer (ms)", m -> m.line().number("jvm_to_answer_ms"), false),
            new Metric("spawn → first answer (ms)", m -> m.line().number("spawn_to_answer_ms"), false),
            new Metric("JVM start → main (ms)", m -> m.line().number("jvm_to_main_ms"), false),
            new Metric("init: handler class + constructor (ms)", m -> m.line().number("init_ms"), false),
            new Metric("event deserialization (ms)", m -> m.line().number("parse_ms"), false),
            new Metric("first invoke: handleRequest (ms)", m -> m.line().number("invoke_ms"), false),
            new Metric("response serialization (ms)", m -> m.line().number("respond_ms"), false),
            new Metric("child wall time, spawn → exit (ms)", Measurement::wallMillis, false),
            new Metric("classes loaded at the answer", m -> m.line().number("classes"), true));

    private static final List<String[]> STAGES = List.of(
            new String[]{"jvm_to_main_ms", "JVM start → main"},
            new String[]{"stage_logging_ms", "first SLF4J logger (Log4j 2 starts, reads log4j2.xml)"},
            new String[]{"stage_jackson_ms", "ObjectMapper + event deserialized"},
            new String[]{"stage_wiring_ms", "`Wiring.fromEnvironment()`: config, DynamoDB + Secrets Manager SDK clients"},
            new String[]{"stage_handler_ms", "`new IdentityHandler(wiring)`: router, services"},
            new String[]{"stage_secret_ms", "JWT secret fetched from Secrets Manager (Powertools)"},
            new String[]{"stage_invoke1_ms", "first handleRequest"},
            new String[]{"jvm_to_answer_ms", "**JVM start → first answer**"},
            new String[]{"stage_invoke2_ms", "second handleRequest (warm, same JVM)"},
            new String[]{"stage_auth_service_ms", "`Wiring.authService()`: bcrypt decoy hash (not on these paths; first signup/login pays it)"});

    public static String markdown(Results r) {
        Options o = r.options();
        StringBuilder b = new StringBuilder();
        b.append("Run ").append(r.started()).append(" on ").append(r.cores()).append(" cores, ")
                .append(String.format(Locale.ROOT, "%.1f GiB", r.memoryBytes() / (1024.0 * 1024 * 1024))).append(" RAM; ")
                .append(r.javaVersion()).append(" (parent and children). ")
                .append(String.format(Locale.ROOT, "1-minute load average %.2f at the start, %.2f at the end.%n", r.loadAtStart(), r.loadAtEnd()));
        b.append("Source: ").append(r.source()).append(". Handler `").append(o.handlerClass()).append("`. ")
                .append(o.runs()).append(" measured cold starts per event and setup, after ").append(o.warmup())
                .append(" discarded; events and setups interleaved run by run.\n\n");
        for (Jar jar : r.jars()) {
            b.append("- ").append(jar.label() == null ? "Function jar" : "Compared jar **" + jar.label() + "**").append(" `")
                    .append(shown(o, jar.source())).append("`: ").append(jar.bytes()).append(" bytes (")
                    .append(String.format(Locale.ROOT, "%.1f MiB", jar.bytes() / (1024.0 * 1024))).append("), sha-256 `")
                    .append(jar.sha256(), 0, 12).append("…`\n");
        }
        b.append("- The JVM and the invoker alone (`Invoke --baseline`, no handler) load ");
        List<String> base = new ArrayList<>();
        r.baselines().forEach((v, line) -> base.add((int) line.number("classes") + " classes (" + v.name() + ")"));
        b.append(String.join(", ", base)).append(".\n");
        b.append("- Variants: ");
        List<String> vs = new ArrayList<>();
        for (Variant v : o.variants()) vs.add("`" + v.name() + "` = " + v.label() + (v.javaToolOptions() == null ? "" : ", `JAVA_TOOL_OPTIONS=\"" + v.javaToolOptions() + "\"`"));
        b.append(String.join("; ", vs)).append(".\n\n");

        for (Path event : r.routeKeys().keySet()) {
            b.append("#### `").append(r.routeKeys().get(event)).append("` (`").append(shown(o, event)).append("`)\n\n");
            b.append("| ");
            StringBuilder rule = new StringBuilder("|---");
            for (Setup setup : r.setups()) {
                b.append("| ").append(setup.name()).append(": min | median | max ");
                rule.append("|---:|---:|---:");
            }
            b.append("|\n").append(rule).append("|\n");
            for (Metric m : METRICS) {
                b.append("| ").append(m.label()).append(' ');
                for (Setup setup : r.setups()) {
                    Stats s = Stats.of(r.runs(event, setup.name()).stream().map(m.value()).toList());
                    b.append("| ").append(num(s.min(), m.count())).append(" | ").append(num(s.median(), m.count()))
                            .append(" | ").append(num(s.max(), m.count())).append(' ');
                }
                b.append("|\n");
            }
            b.append('\n');
        }

        if (!r.breakdowns().isEmpty()) {
            b.append("#### Where the time goes (`Breakdown`, median of ").append(o.breakdownRuns()).append(" runs, ms)\n\n");
            b.append("| stage ");
            StringBuilder rule = new StringBuilder("|---");
            for (Path event : r.routeKeys().keySet()) {
                for (Setup setup : r.setups()) {
                    b.append("| ").append(r.routeKeys().get(event)).append(", ").append(setup.name()).append(' ');
                    rule.append("|---:");
                }
            }
            b.append("|\n").append(rule).append("|\n");
            for (String[] stage : STAGES) {
                b.append("| ").append(stage[1]).append(' ');
                for (Path event : r.routeKeys().keySet()) {
                    for (Setup setup : r.setups()) {
                        List<InvokeLine> lines = r.breakdowns().getOrDefault(new Key(event, setup.name()), List.of());
                        List<Double> values = lines.stream().filter(l -> l.has(stage[0])).map(l -> l.number(stage[0])).toList();
                        b.append("| ").append(values.isEmpty() ? "–" : num(Stats.of(values).median(), false)).append(' ');
                    }
                }
                b.append("|\n");
            }
            InvokeLine any = r.breakdowns().values().iterator().next().get(0);
            b.append("\nThe bcrypt row is at cost ").append(any.text("bcrypt_cost")).append(" (`GANTRY_BCRYPT_COST` unset: the production default).\n\n");
        }

        if (!r.histograms().isEmpty()) {
            b.append("#### Classes loaded by library (one `-Xlog:class+load` run per event and jar, default flags)\n\n");
            b.append("| library ");
            StringBuilder rule = new StringBuilder("|---");
            for (Key k : r.histograms().keySet()) {
                b.append("| ").append(r.routeKeys().get(k.event())).append(k.setup() == null ? "" : " (" + k.setup() + ")").append(' ');
                rule.append("|---:");
            }
            b.append("|\n").append(rule).append("|\n");
            TreeSet<String> groups = new TreeSet<>(Comparator.comparingInt((String g) -> -r.histograms().values().stream()
                    .mapToInt(h -> h.getOrDefault(g, 0)).max().orElse(0)).thenComparing(Function.identity()));
            r.histograms().values().forEach(h -> groups.addAll(h.keySet()));
            for (String g : groups) {
                b.append("| ").append(g).append(' ');
                for (Map<String, Integer> h : r.histograms().values()) b.append("| ").append(h.getOrDefault(g, 0)).append(' ');
                b.append("|\n");
            }
            b.append("| **total** ");
            for (Map<String, Integer> h : r.histograms().values()) {
                b.append("| **").append(h.values().stream().mapToInt(Integer::intValue).sum()).append("** ");
            }
            b.append("|\n");
        }
        return b.toString();
    }

    /** Relative to the repository root when inside it. */
    private static Path shown(Options o, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(o.repoRoot()) ? o.repoRoot().relativize(abs) : abs;
    }

    static String num(double v, boolean count) {
        if (count || v >= 100) return String.valueOf(Math.round(v));
        return String.format(Locale.ROOT, "%.1f", v);
    }
}

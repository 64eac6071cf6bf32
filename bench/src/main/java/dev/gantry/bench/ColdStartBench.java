package dev.gantry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.invoke.Breakdown;
import dev.gantry.bench.invoke.Invoke;
import dev.gantry.bench.invoke.RestoreMarker;
import dev.gantry.functions.Catalog;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.functions.WorkerSpec;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cold-start benchmark of every function. Starts the local server in this JVM (DynamoDB Local
 * with the table, ElasticMQ, the fake Secrets Manager), makes what the sample events point at
 * ({@link Fixtures}), then runs each event in fresh child JVMs (the function's shaded jar + the
 * invoker, nothing else) under each variant ({@link Variant}), interleaved run by run, and prints a
 * Markdown report ({@link ColdStartReport}): per function, the jars (size, classes, HTTP clients)
 * and per event min / median / max of JVM start → first answer (and, for the SnapStart stand-ins,
 * restore → first answer), the classes loaded, a staged breakdown and the classes by library.
 *
 * <p>Builds given with {@code --compare LABEL=DIR} (e.g. the same code before the cold-start
 * remedies) are measured in the same run, interleaved, under the plain cold-start variants.
 *
 * <p>Nothing here judges the numbers: a failed child, a missing result line or a status of 400 or
 * more fails the run, a slow one never does.
 *
 * <p>{@code bench/coldstart.sh [options]} builds and runs it; {@code --help} lists the options.
 */
public final class ColdStartBench {
    /** Every function jar, in the report's order (directories under functions/). */
    public static final List<String> FUNCTIONS = List.of("identity", "platform", "github-ingest", "webhooks", "workers");

    /** The events measured by default, per function: files under events/&lt;function&gt;/. */
    public static final Map<String, List<String>> DEFAULT_EVENTS = defaultEvents();

    private static Map<String, List<String>> defaultEvents() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("identity", List.of("health.json", "me.json"));
        m.put("platform", List.of("repos-list.json", "repo-get.json"));
        m.put("github-ingest", List.of("push.json"));
        m.put("webhooks", List.of("endpoints-list.json", "deliveries-list.json"));
        m.put("workers", List.of("webhook-delivery.json", "outbox-relay.json", "outbox-stream-relay.json"));
        return Collections.unmodifiableMap(m);
    }

    private ColdStartBench() {}

    // ---- options ---------------------------------------------------------------------------------

    /**
     * {@code events}: given explicitly (the function is the file's directory under events/); empty
     * means {@link #DEFAULT_EVENTS} of {@code functions}. {@code compare}: label to the root of
     * another build (its jars at {@code DIR/functions/<fn>/target/<fn>.jar}, or {@code DIR/<fn>.jar}).
     */
    public record Options(Path repoRoot, List<String> functions, List<Path> events, Map<String, Path> compare, Path invokerJar,
                          int runs, int warmup, int breakdownRuns, boolean classHistogram, List<Variant> variants, boolean details,
                          Path markdownOut, Duration childTimeout) {

        /** Paths from system properties when set (the build sets them for tests), else relative to the repository root. */
        public static Options defaults() {
            Path root = Path.of(System.getProperty("gantry.repoRoot", ".")).toAbsolutePath().normalize();
            Path invokerJar = System.getProperty("gantry.bench.invokerJar") != null
                    ? Path.of(System.getProperty("gantry.bench.invokerJar")) : null; // found in bench/target when run
            return new Options(root, FUNCTIONS, List.of(), Map.of(), invokerJar, 10, 1, 3, true, Variant.ALL, false, null,
                    Duration.ofSeconds(120));
        }

        public Options withFunctions(List<String> f) { return new Options(repoRoot, List.copyOf(f), events, compare, invokerJar, runs, warmup, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withEvents(List<Path> e) { return new Options(repoRoot, functions, List.copyOf(e), compare, invokerJar, runs, warmup, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withCompare(Map<String, Path> c) { return new Options(repoRoot, functions, events, Collections.unmodifiableMap(new LinkedHashMap<>(c)), invokerJar, runs, warmup, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withInvokerJar(Path p) { return new Options(repoRoot, functions, events, compare, p, runs, warmup, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withRuns(int n) { return new Options(repoRoot, functions, events, compare, invokerJar, n, warmup, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withWarmup(int n) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, n, breakdownRuns, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withBreakdownRuns(int n) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, warmup, n, classHistogram, variants, details, markdownOut, childTimeout); }
        public Options withClassHistogram(boolean on) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, warmup, breakdownRuns, on, variants, details, markdownOut, childTimeout); }
        public Options withVariants(List<Variant> v) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, warmup, breakdownRuns, classHistogram, List.copyOf(v), details, markdownOut, childTimeout); }
        public Options withDetails(boolean on) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, warmup, breakdownRuns, classHistogram, variants, on, markdownOut, childTimeout); }
        public Options withMarkdownOut(Path p) { return new Options(repoRoot, functions, events, compare, invokerJar, runs, warmup, breakdownRuns, classHistogram, variants, details, p, childTimeout); }

        static final String HELP = """
                Usage: bench/coldstart.sh [options]     (or: java -cp ... dev.gantry.bench.ColdStartBench [options])

                Cold starts of every function: each sample event in fresh child JVMs whose classpath is the
                function's shaded jar plus the bench invoker, against the local server's DynamoDB Local, ElasticMQ
                and fake Secrets Manager. Prints a Markdown report on standard output; progress on standard error.
                Relative paths are relative to the repository root.

                  --functions LIST      identity,platform,github-ingest,webhooks,workers (default: all), each with
                                        its default events (events/<function>/, see events/README.md)
                  --event FILE          an event instead of the defaults (repeatable); the function is its directory
                                        under events/, the handler the function's (workers: the worker whose name
                                        starts the file name); placeholders such as {{token}} are filled
                  --runs N              measured cold starts per event and setup (default 10)
                  --warmup N            discarded cold starts per event and setup first (default 1)
                  --variants LIST       default,c1,c1-snap,c1-primed (default all): default JVM flags; C1 only, as the
                                        CDK stack sets; c1 plus the SnapStart stand-in without / with the priming hooks
                  --compare LABEL=DIR   another build (repository root, or a directory of <function>.jar), measured
                                        in the same run under the default and c1 variants (repeatable)
                  --breakdown-runs N    staged-breakdown runs per event and cold variant, 0 to skip (default 3)
                  --no-class-histogram  skip the -Xlog:class+load run that counts loaded classes by library
                  --details             also print every metric (init, deserialization, invoke, ...) per setup
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
                    case "--functions" -> {
                        List<String> f = new ArrayList<>();
                        for (String name : value(args, ++i, a).split(",")) {
                            String n = name.trim();
                            if (!FUNCTIONS.contains(n)) throw new IllegalArgumentException("unknown function '" + n + "' (known: " + String.join(", ", FUNCTIONS) + ")");
                            if (!f.contains(n)) f.add(n);
                        }
                        o = o.withFunctions(f);
                    }
                    case "--event" -> events.add(Path.of(value(args, ++i, a)));
                    case "--runs" -> o = o.withRuns(positive(a, value(args, ++i, a), 1));
                    case "--warmup" -> o = o.withWarmup(positive(a, value(args, ++i, a), 0));
                    case "--breakdown-runs" -> o = o.withBreakdownRuns(positive(a, value(args, ++i, a), 0));
                    case "--no-class-histogram" -> o = o.withClassHistogram(false);
                    case "--details" -> o = o.withDetails(true);
                    case "--variants" -> {
                        List<Variant> v = new ArrayList<>();
                        for (String name : value(args, ++i, a).split(",")) v.add(Variant.named(name.trim()));
                        o = o.withVariants(v);
                    }
                    case "--compare", "--compare-build" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0 || eq == v.length() - 1 || !v.substring(0, eq).matches("[A-Za-z0-9._-]+")) {
                            throw new IllegalArgumentException(a + " wants LABEL=DIR (label: letters, digits, . _ -), not " + v);
                        }
                        if (compare.put(v.substring(0, eq), Path.of(v.substring(eq + 1))) != null) {
                            throw new IllegalArgumentException(a + " label " + v.substring(0, eq) + " given twice");
                        }
                    }
                    case "--invoker-jar" -> o = o.withInvokerJar(Path.of(value(args, ++i, a)));
                    case "--markdown" -> o = o.withMarkdownOut(Path.of(value(args, ++i, a)));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "' (--help lists them)");
                }
            }
            if (!compare.isEmpty()) o = o.withCompare(compare);
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
                        + "; build it with ./mvnw -B -q -DskipTests package -pl bench -am, or give --invoker-jar");
            }
            return found.get(0);
        }

        /** Relative paths are taken from the repository root (the script runs there). */
        Path resolve(Path p) {
            return repoRoot.resolve(p).toAbsolutePath().normalize();
        }

        /** The function's shaded jar in this build. */
        public Path functionJar(String function) {
            return repoRoot.resolve("functions").resolve(function).resolve("target").resolve(function + ".jar");
        }

        /** The function's jar in a compared build: {@code DIR/<fn>.jar} if there, else as in a repository. */
        Path compareJar(Path dir, String function) {
            Path root = resolve(dir);
            Path flat = root.resolve(function + ".jar");
            return Files.isRegularFile(flat) ? flat : root.resolve("functions").resolve(function).resolve("target").resolve(function + ".jar");
        }

        /** The scenarios: explicit events, else the defaults of the selected functions. */
        public List<Scenario> scenarios() {
            List<Scenario> out = new ArrayList<>();
            if (events.isEmpty()) {
                for (String f : FUNCTIONS) {
                    if (!functions.contains(f)) continue;
                    for (String file : DEFAULT_EVENTS.get(f)) out.add(Scenario.of(f, resolve(Path.of("events", f, file))));
                }
            } else {
                for (Path e : events) {
                    Path abs = resolve(e);
                    String f = abs.getParent() == null ? "" : abs.getParent().getFileName().toString();
                    if (!FUNCTIONS.contains(f)) {
                        throw new IllegalArgumentException(e + ": an event's directory names its function (events/<function>/...), one of " + FUNCTIONS);
                    }
                    out.add(Scenario.of(f, abs));
                }
            }
            return out;
        }
    }

    // ---- what is measured --------------------------------------------------------------------------

    /**
     * One event sent to one handler. {@code id}: {@code function/file.json}; {@code worker}: the
     * worker's name in the workers jar, else null; {@code memoryMb}: what the CDK stack gives it.
     */
    public record Scenario(String id, String function, String worker, String handlerClass, Path event, int memoryMb) {
        static Scenario of(String function, Path event) {
            String file = event.getFileName().toString();
            String id = function + "/" + file;
            if (function.equals("workers")) {
                WorkerSpec match = null;
                for (WorkerSpec w : Catalog.WORKERS) {
                    if (file.startsWith(w.name()) && (match == null || w.name().length() > match.name().length())) match = w;
                }
                if (match == null) throw new IllegalArgumentException(event + ": a workers event's file name starts with a worker's name "
                        + Catalog.WORKERS.stream().map(WorkerSpec::name).toList());
                return new Scenario(id, function, match.name(), match.handlerClass(), event, match.memoryMb());
            }
            for (FunctionSpec s : Catalog.API_FUNCTIONS) {
                if (s.name().equals(function)) return new Scenario(id, function, null, s.handlerClass(), event, s.memoryMb());
            }
            throw new IllegalArgumentException("no function " + function + " in the catalog");
        }

        /** The Lambda function's name in the stack (a worker's own name in the workers jar). */
        String lambdaName() {
            return worker != null ? worker : function;
        }

        String handlerSimpleName() {
            return handlerClass.substring(handlerClass.lastIndexOf('.') + 1);
        }

        String childName() {
            return id.replace('/', '-').replace(".json", "");
        }
    }

    /**
     * One column of the report: a function's jar (null label: this build) under a variant. Compared
     * builds are measured under the plain cold-start variants only.
     */
    public record Setup(String name, String function, String jarLabel, Variant variant) {}

    /** One measured cold start: the child's own line and the wall time the parent saw. */
    public record Measurement(InvokeLine line, double wallMillis) {}

    /** {@code scenario}: the scenario id; {@code setup}: the setup name (for histograms: the jar label, "this build" for null). */
    public record Key(String scenario, String setup) {}

    public record Results(Options options, Instant started, String javaVersion, int cores, long memoryBytes,
                          double loadAtStart, double loadAtEnd, String source, List<Scenario> scenarios, Map<String, String> labels,
                          List<JarInfo> jars, Map<String, List<Setup>> setups, Map<String, InvokeLine> baselines,
                          Map<Key, List<Measurement>> runs, Map<Key, List<InvokeLine>> breakdowns,
                          Map<Key, Map<String, Integer>> histograms, int webhookDeliveriesReceived) {

        public List<Measurement> runs(String scenario, String setup) { return runs.getOrDefault(new Key(scenario, setup), List.of()); }

        public List<Measurement> runs(Scenario scenario, Variant variant) { return runs(scenario.id(), variant.name()); }

        public List<JarInfo> jars(String function) { return jars.stream().filter(j -> j.function().equals(function)).toList(); }

        public List<Scenario> scenarios(String function) { return scenarios.stream().filter(s -> s.function().equals(function)).toList(); }
    }

    /** Label of this build's jar in the histograms. */
    static final String THIS_BUILD = "this build";
    /** Label of the histogram of the classes loaded after a primed restore. */
    static final String AFTER_PRIMED_RESTORE = "this build, c1-primed, after the restore";

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
            String report = ColdStartReport.markdown(results);
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
        return run(options, progress, server -> { });
    }

    /** As above; {@code beforeClose} sees the local server once every child has run (tests look at the table). */
    public static Results run(Options options, PrintStream progress, java.util.function.Consumer<LocalServer> beforeClose) {
        List<Scenario> scenarios = options.scenarios();
        if (scenarios.isEmpty()) throw new IllegalArgumentException("no events to run");
        List<String> functions = scenarios.stream().map(Scenario::function).distinct().toList();

        // function -> (label -> jar); null label: this build
        Map<String, Map<String, Path>> jarSources = new LinkedHashMap<>();
        for (String f : functions) {
            Map<String, Path> m = new LinkedHashMap<>();
            m.put(null, options.functionJar(f));
            options.compare().forEach((label, dir) -> m.put(label, options.compareJar(dir, f)));
            m.forEach((label, p) -> {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalStateException("no " + f + " jar at " + p
                            + (label == null ? "; build it with ./mvnw -B -q -DskipTests package -pl bench -am" : " (--compare " + label + ")"));
                }
            });
            jarSources.put(f, m);
        }
        Path invokerJar = options.resolvedInvokerJar();
        if (!Files.isRegularFile(invokerJar)) throw new IllegalStateException("no invoker jar at " + invokerJar);
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

        Path work;
        try {
            work = Files.createTempDirectory("gantry-coldstart");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Access tokens for a day: a full run takes longer than the default 15 minutes, and the events are written once.
        LocalOptions serverOptions = LocalOptions.defaults().withPort(0).withBcryptCost(4).with("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true")
                .with("GANTRY_ACCESS_TOKEN_TTL_SECONDS", "86400");
        try (LocalServer server = LocalServer.start(serverOptions); Fixtures fixtures = new Fixtures(server)) {
            Map<String, String> env = childEnvironment(serverOptions, server.config(), server.queueUrls());
            // Snapshots: a build running beside the benchmark must not swap a jar between two children.
            List<JarInfo> jars = new ArrayList<>();
            Map<String, Map<String, ChildJvm>> children = new LinkedHashMap<>(); // function -> label ("" for this build) -> child
            for (Map.Entry<String, Map<String, Path>> f : jarSources.entrySet()) {
                Map<String, ChildJvm> byLabel = new LinkedHashMap<>();
                for (Map.Entry<String, Path> e : f.getValue().entrySet()) {
                    Path dir = Files.createDirectories(work.resolve(f.getKey()).resolve(e.getKey() == null ? "this" : "compare-" + e.getKey()));
                    Path copy = dir.resolve(e.getValue().getFileName());
                    Files.copy(e.getValue(), copy);
                    jars.add(JarInfo.of(f.getKey(), e.getKey(), e.getValue(), copy));
                    byLabel.put(e.getKey() == null ? "" : e.getKey(), new ChildJvm(copy, invokerJar, env, dir, options.childTimeout()));
                }
                children.put(f.getKey(), byLabel);
            }
            Map<String, List<Setup>> setups = new LinkedHashMap<>();
            for (String f : functions) {
                List<Setup> list = new ArrayList<>();
                for (Variant v : options.variants()) list.add(new Setup(v.name(), f, null, v));
                for (String label : options.compare().keySet()) {
                    for (Variant v : options.variants()) if (!v.snapshot()) list.add(new Setup(label + " " + v.name(), f, label, v));
                }
                setups.put(f, list);
            }

            Map<String, String> templates = new LinkedHashMap<>();
            Map<String, String> labels = new LinkedHashMap<>();
            Map<String, Path> fixedFiles = new LinkedHashMap<>();
            for (Scenario s : scenarios) {
                String template = read(s.event());
                Fixtures.placeholders(template); // unknown placeholders fail here, before anything runs
                templates.put(s.id(), template);
                labels.put(s.id(), label(s, template));
                if (!Fixtures.perRun(template)) {
                    Path file = work.resolve(s.childName() + ".json");
                    write(file, fixtures.render(template));
                    fixedFiles.put(s.id(), file);
                }
            }
            ChildJvm any = children.get(functions.get(0)).get("");
            progress.printf("coldstart: %s; children run %s -cp <function jar>:%s (logs in %s; kept if GANTRY_BENCH_KEEP is set)%n",
                    Runtime.version(), any.java(), invokerJar, work);

            Map<String, InvokeLine> baselines = new LinkedHashMap<>();
            for (Variant v : options.variants()) {
                if (v.snapshot()) continue;
                baselines.put(v.name(), any.run("baseline-" + v.name(), v, List.of(), Invoke.class.getName(), List.of("--baseline")).line());
            }

            Map<Key, List<Measurement>> runs = new LinkedHashMap<>();
            int total = options.warmup() + options.runs();
            for (int i = 0; i < total; i++) {
                boolean warm = i < options.warmup();
                for (Scenario s : scenarios) {
                    for (Setup setup : setups.get(s.function())) {
                        String name = s.childName() + "-" + setup.name().replace(' ', '-') + "-"
                                + (warm ? "warmup" + (i + 1) : "run" + (i - options.warmup() + 1));
                        Path event = eventFile(s, name, work, templates, fixedFiles, fixtures);
                        List<String> args = new ArrayList<>();
                        if (setup.variant().invokerFlag() != null) args.add(setup.variant().invokerFlag());
                        args.add(s.handlerClass());
                        args.add(event.toString());
                        ChildJvm.Result r = children.get(s.function()).get(setup.jarLabel() == null ? "" : setup.jarLabel())
                                .run(name, setup.variant(), List.of(), Invoke.class.getName(), args, lambdaEnvironment(s));
                        InvokeLine line = checked(r);
                        String restore = line.has("restore_to_answer_ms") ? String.format(", restore -> answer %6.1f ms", line.number("restore_to_answer_ms")) : "";
                        progress.printf("coldstart: %-52s status %d, JVM start -> answer %7.1f ms%s%s%n", name, line.status(),
                                line.number("jvm_to_answer_ms"), restore, warm ? " (discarded)" : "");
                        if (!warm) runs.computeIfAbsent(new Key(s.id(), setup.name()), k -> new ArrayList<>()).add(new Measurement(line, r.wallMillis()));
                    }
                }
            }

            Map<Key, List<InvokeLine>> breakdowns = new LinkedHashMap<>();
            for (int i = 0; i < options.breakdownRuns(); i++) {
                for (Scenario s : scenarios) {
                    for (Setup setup : setups.get(s.function())) {
                        if (setup.jarLabel() != null || setup.variant().snapshot()) continue;
                        String name = s.childName() + "-" + setup.name() + "-breakdown" + (i + 1);
                        Path event = eventFile(s, name, work, templates, fixedFiles, fixtures);
                        List<String> args = new ArrayList<>();
                        if (s.function().equals("identity")) args.add("--auth-service");
                        args.add(s.handlerClass());
                        args.add(event.toString());
                        InvokeLine line = checked(children.get(s.function()).get("").run(name, setup.variant(), List.of(),
                                Breakdown.class.getName(), args, lambdaEnvironment(s)));
                        progress.printf("coldstart: %-52s status %d%n", name, line.status());
                        breakdowns.computeIfAbsent(new Key(s.id(), setup.name()), k -> new ArrayList<>()).add(line);
                    }
                }
            }

            Map<Key, Map<String, Integer>> histograms = new LinkedHashMap<>();
            if (options.classHistogram()) {
                for (Scenario s : scenarios) {
                    for (Map.Entry<String, ChildJvm> c : children.get(s.function()).entrySet()) {
                        String label = c.getKey().isEmpty() ? THIS_BUILD : c.getKey();
                        String name = s.childName() + "-" + label.replace(' ', '-') + "-classload";
                        Path log = work.resolve(name + ".classload.log");
                        Path event = eventFile(s, name, work, templates, fixedFiles, fixtures);
                        checked(c.getValue().run(name, Variant.DEFAULT, List.of("-Xlog:class+load=info:file=" + log),
                                Invoke.class.getName(), List.of(s.handlerClass(), event.toString()), lambdaEnvironment(s)));
                        histograms.put(new Key(s.id(), label), ClassLoadHistogram.count(Files.readAllLines(log)));
                    }
                    // What the first request after a primed restore still loads: what the priming does not reach.
                    if (options.variants().contains(Variant.PRIMED)) {
                        String name = s.childName() + "-c1-primed-classload";
                        Path log = work.resolve(name + ".classload.log");
                        Path event = eventFile(s, name, work, templates, fixedFiles, fixtures);
                        checked(children.get(s.function()).get("").run(name, Variant.PRIMED, List.of("-Xlog:class+load=info:file=" + log),
                                Invoke.class.getName(), List.of(Variant.PRIMED.invokerFlag(), s.handlerClass(), event.toString()), lambdaEnvironment(s)));
                        histograms.put(new Key(s.id(), AFTER_PRIMED_RESTORE),
                                ClassLoadHistogram.countAfter(Files.readAllLines(log), RestoreMarker.class.getName()));
                    }
                }
            }

            beforeClose.accept(server);
            long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            Results results = new Results(options, started, javaVersion(), Runtime.getRuntime().availableProcessors(), memory,
                    loadBefore, loadAfter, source(options.repoRoot()), scenarios, labels, List.copyOf(jars), setups, baselines,
                    runs, breakdowns, histograms, fixtures.received());
            if (System.getenv("GANTRY_BENCH_KEEP") == null) deleteTree(work); // kept when a child failed: the message names it
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event for one child: written once, or again for this child when it has per-run placeholders. */
    private static Path eventFile(Scenario s, String childName, Path work, Map<String, String> templates, Map<String, Path> fixed,
                                  Fixtures fixtures) {
        Path f = fixed.get(s.id());
        if (f != null) return f;
        Path file = work.resolve(childName + ".event.json");
        write(file, fixtures.render(templates.get(s.id())));
        return file;
    }

    /** "GET /v1/me" for an API event; for a worker its name and trigger, e.g. "webhook-delivery (SQS)". */
    static String label(Scenario s, String template) {
        try {
            JsonNode event = new ObjectMapper().readTree(template);
            if (event.has("routeKey")) return event.get("routeKey").asText();
            String trigger = "event";
            JsonNode records = event.path("Records");
            if (records.isArray() && !records.isEmpty()) {
                String source = records.get(0).path("eventSource").asText("");
                trigger = source.equals("aws:sqs") ? "SQS" : source.equals("aws:dynamodb") ? "DynamoDB stream" : source;
            } else if (event.path("detail-type").asText("").equals("Scheduled Event")) {
                trigger = "schedule";
            }
            return (s.worker() != null ? s.worker() : s.function()) + " (" + trigger + ")";
        } catch (IOException e) {
            throw new IllegalArgumentException(s.event() + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** The child's result line; a failed child or an error answer stops the benchmark. */
    static InvokeLine checked(ChildJvm.Result r) {
        InvokeLine line = r.line();
        if (line.status() >= 400) throw new IllegalStateException(r.describe("answered status " + line.status()));
        return line;
    }

    /**
     * What every function's no-arg constructor reads, as the CDK stack gives it in AWS (table, secret
     * ids, queue URLs, Powertools settings), plus the local endpoints, the region and the local
     * server's own function settings (e.g. plain-http webhook endpoints on loopback allowed). With an
     * endpoint set, {@code GantryConfig.local()} is true and the SDK clients use static credentials,
     * so no AWS credentials are needed. {@code GANTRY_BCRYPT_COST} is left out: the production cost
     * (12), which only the identity breakdown's bcrypt stage touches.
     */
    static Map<String, String> childEnvironment(LocalOptions serverOptions, GantryConfig config, Map<String, String> queueUrls) {
        Map<String, String> env = new LinkedHashMap<>(serverOptions.functionEnvironment());
        env.remove(LocalOptions.BCRYPT_COST);
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
        env.put("POWERTOOLS_LOG_LEVEL", "INFO");
        return env;
    }

    /** What Lambda sets per function: its name, its memory, and the service name the stack gives Powertools. */
    static Map<String, String> lambdaEnvironment(Scenario s) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POWERTOOLS_SERVICE_NAME", "gantry-" + s.lambdaName());
        env.put("AWS_LAMBDA_FUNCTION_NAME", s.lambdaName());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(s.memoryMb()));
        return env;
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
}

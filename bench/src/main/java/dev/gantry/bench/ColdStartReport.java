package dev.gantry.bench;

import dev.gantry.bench.ColdStartBench.Key;
import dev.gantry.bench.ColdStartBench.Measurement;
import dev.gantry.bench.ColdStartBench.Options;
import dev.gantry.bench.ColdStartBench.Results;
import dev.gantry.bench.ColdStartBench.Scenario;
import dev.gantry.bench.ColdStartBench.Setup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** The benchmark's Markdown report: ready to paste into BENCHMARKS.md. */
public final class ColdStartReport {
    private ColdStartReport() {}

    private record Metric(String label, String field, boolean count) {
        Double value(Measurement m) {
            if (field.equals("wall")) return m.wallMillis();
            if (field.equals("classes_after_restore")) {
                return m.line().has("classes_at_restore") ? m.line().number("classes") - m.line().number("classes_at_restore") : null;
            }
            return m.line().has(field) ? m.line().number(field) : null;
        }
    }

    private static final Metric JVM_TO_ANSWER = new Metric("JVM start → first answer (ms)", "jvm_to_answer_ms", false);
    private static final Metric RESTORE_TO_ANSWER = new Metric("restore → first answer (ms)", "restore_to_answer_ms", false);
    private static final Metric CLASSES = new Metric("classes loaded at the answer", "classes", true);
    private static final Metric CLASSES_AFTER_RESTORE = new Metric("classes loaded after the restore", "classes_after_restore", true);
    private static final Metric INIT = new Metric("init: handler class + constructor (ms)", "init_ms", false);
    private static final Metric INVOKE = new Metric("first invoke: handleRequest (ms)", "invoke_ms", false);

    private static final List<Metric> DETAILS = List.of(
            JVM_TO_ANSWER,
            new Metric("spawn → first answer (ms)", "spawn_to_answer_ms", false),
            new Metric("JVM start → main (ms)", "jvm_to_main_ms", false),
            INIT,
            new Metric("snapshot hooks: beforeCheckpoint + afterRestore (ms)", "hooks_ms", false),
            RESTORE_TO_ANSWER,
            new Metric("event deserialization (ms)", "parse_ms", false),
            INVOKE,
            new Metric("answer serialization (ms)", "respond_ms", false),
            new Metric("child wall time, spawn → exit (ms)", "wall", false),
            CLASSES,
            CLASSES_AFTER_RESTORE);

    private static final List<String[]> STAGES = List.of(
            new String[]{"jvm_to_main_ms", "JVM start → main"},
            new String[]{"stage_logging_ms", "first SLF4J logger (Log4j 2 starts, reads its configuration)"},
            new String[]{"stage_jackson_ms", "ObjectMapper + event deserialized"},
            new String[]{"stage_wiring_ms", "`Wiring.fromEnvironment()`: config, SDK clients"},
            new String[]{"stage_handler_ms", "handler constructor: router, services"},
            new String[]{"stage_secret_ms", "JWT secret fetched from Secrets Manager (Powertools)"},
            new String[]{"stage_invoke1_ms", "first handleRequest"},
            new String[]{"jvm_to_answer_ms", "**JVM start → first answer**"},
            new String[]{"stage_invoke2_ms", "second handleRequest (warm, same JVM)"},
            new String[]{"stage_auth_service_ms", "`Wiring.authService()`: bcrypt decoy hash (first signup/login only)"});

    public static String markdown(Results r) {
        Options o = r.options();
        StringBuilder b = new StringBuilder();
        b.append("Run ").append(r.started()).append(" on ").append(r.cores()).append(" cores, ")
                .append(String.format(Locale.ROOT, "%.1f GiB", r.memoryBytes() / (1024.0 * 1024 * 1024))).append(" RAM; ")
                .append(r.javaVersion()).append(" (parent and children). ")
                .append(String.format(Locale.ROOT, "**1-minute load average %.2f at the start, %.2f at the end.**%n", r.loadAtStart(), r.loadAtEnd()));
        b.append("Source: ").append(r.source()).append(". ").append(o.runs()).append(" measured cold starts per event and setup, after ")
                .append(o.warmup()).append(" discarded; events and setups interleaved run by run.\n\n");
        List<String> base = new ArrayList<>();
        r.baselines().forEach((v, line) -> base.add((int) line.number("classes") + " classes (" + v + ")"));
        if (!base.isEmpty()) b.append("- The JVM and the invoker alone (`Invoke --baseline`, no handler) load ").append(String.join(", ", base)).append(".\n");
        b.append("- Variants: ");
        List<String> vs = new ArrayList<>();
        for (Variant v : o.variants()) {
            vs.add("`" + v.name() + "` = " + v.label() + (v.javaToolOptions() == null ? "" : ", `JAVA_TOOL_OPTIONS=\"" + v.javaToolOptions() + "\"`"));
        }
        b.append(String.join("; ", vs)).append(".\n");
        o.compare().forEach((label, dir) -> b.append("- Compared build **").append(label).append("**: `").append(dir)
                .append("`, measured under the plain cold-start variants.\n"));
        if (r.scenarios().stream().anyMatch(s -> "webhook-delivery".equals(s.worker()))) {
            b.append("- The loopback webhook receiver got ").append(r.webhookDeliveriesReceived())
                    .append(" deliveries (one per `webhook-delivery` child).\n");
        }
        b.append('\n');

        summary(b, r);
        for (String function : r.scenarios().stream().map(Scenario::function).distinct().toList()) function(b, r, function);
        return b.toString();
    }

    /** One line per event: medians, this build against the first compared build (if any). */
    private static void summary(StringBuilder b, Results r) {
        String before = r.options().compare().isEmpty() ? null : r.options().compare().keySet().iterator().next();
        b.append("### Summary (medians").append(before == null ? "" : "; each cell: **" + before + "** → this build").append(")\n\n");
        b.append("| function | event | jar (MiB) | classes at the answer (c1) | JVM start → first answer, default (ms) | JVM start → first answer, c1 (ms) "
                + "| restore → first answer, c1-snap (ms) | restore → first answer, c1-primed (ms) |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : r.scenarios()) {
            JarInfo mine = jar(r, s.function(), null);
            JarInfo theirs = before == null ? null : jar(r, s.function(), before);
            b.append("| ").append(s.worker() != null ? "workers: " + s.worker() : s.function()).append(" | `").append(r.labels().get(s.id())).append("` | ")
                    .append(pair(theirs == null ? null : theirs.mebibytes(), mine.mebibytes(), "%.1f")).append(" | ")
                    .append(pair(before(r, s, before, Variant.C1, CLASSES), median(r, s, null, Variant.C1, CLASSES), "%.0f")).append(" | ")
                    .append(pair(before(r, s, before, Variant.DEFAULT, JVM_TO_ANSWER), median(r, s, null, Variant.DEFAULT, JVM_TO_ANSWER), "%.0f")).append(" | ")
                    .append(pair(before(r, s, before, Variant.C1, JVM_TO_ANSWER), median(r, s, null, Variant.C1, JVM_TO_ANSWER), "%.0f")).append(" | ")
                    .append(pair(null, median(r, s, null, Variant.SNAPSHOT, RESTORE_TO_ANSWER), "%.0f")).append(" | ")
                    .append(pair(null, median(r, s, null, Variant.PRIMED, RESTORE_TO_ANSWER), "%.0f")).append(" |\n");
        }
        b.append('\n');
    }

    private static void function(StringBuilder b, Results r, String function) {
        Options o = r.options();
        b.append("### ").append(function).append("\n\n");
        b.append("| jar | bytes | MiB | entries | classes | HTTP clients | org.crac | sha-256 |\n|---|---:|---:|---:|---:|---|---|---|\n");
        for (JarInfo j : r.jars(function)) {
            b.append("| ").append(j.label() == null ? "this build" : "**" + j.label() + "**").append(" `").append(shown(o, j.source())).append("` | ")
                    .append(j.bytes()).append(" | ").append(String.format(Locale.ROOT, "%.1f", j.mebibytes())).append(" | ")
                    .append(j.entries()).append(" | ").append(j.classes()).append(" | ").append(String.join(", ", j.httpClients())).append(" | ")
                    .append(j.cracApi() ? "yes" : "no").append(" | `").append(j.sha256(), 0, 12).append("…` |\n");
        }
        b.append('\n');
        List<Setup> setups = r.setups().get(function);
        for (Scenario s : r.scenarios(function)) {
            b.append("#### `").append(r.labels().get(s.id())).append("` (`").append(shown(o, s.event())).append("` → `")
                    .append(s.handlerSimpleName()).append("`)\n\n");
            b.append("| setup | JVM start → first answer (ms): min / median / max | restore → first answer (ms): min / median / max "
                    + "| classes at the answer | classes loaded after the restore | init (ms, median) | first handleRequest (ms, median) |\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Setup setup : setups) {
                List<Measurement> ms = r.runs(s.id(), setup.name());
                if (ms.isEmpty()) continue;
                b.append("| ").append(setup.name()).append(" | ").append(minMedMax(ms, JVM_TO_ANSWER)).append(" | ")
                        .append(minMedMax(ms, RESTORE_TO_ANSWER)).append(" | ").append(medianText(ms, CLASSES)).append(" | ")
                        .append(medianText(ms, CLASSES_AFTER_RESTORE)).append(" | ").append(medianText(ms, INIT)).append(" | ")
                        .append(medianText(ms, INVOKE)).append(" |\n");
            }
            b.append('\n');
            if (o.details()) details(b, r, s, setups);
        }
        breakdown(b, r, function);
        histogram(b, r, function);
    }

    private static void details(StringBuilder b, Results r, Scenario s, List<Setup> setups) {
        b.append("<details><summary>Every metric</summary>\n\n| ");
        StringBuilder rule = new StringBuilder("|---");
        for (Setup setup : setups) {
            b.append("| ").append(setup.name()).append(": min | median | max ");
            rule.append("|---:|---:|---:");
        }
        b.append("|\n").append(rule).append("|\n");
        for (Metric m : DETAILS) {
            b.append("| ").append(m.label()).append(' ');
            for (Setup setup : setups) {
                List<Double> values = values(r.runs(s.id(), setup.name()), m);
                if (values.isEmpty()) {
                    b.append("| – | – | – ");
                } else {
                    Stats st = Stats.of(values);
                    b.append("| ").append(num(st.min(), m.count())).append(" | ").append(num(st.median(), m.count()))
                            .append(" | ").append(num(st.max(), m.count())).append(' ');
                }
            }
            b.append("|\n");
        }
        b.append("\n</details>\n\n");
    }

    private static void breakdown(StringBuilder b, Results r, String function) {
        List<Scenario> scenarios = r.scenarios(function);
        List<String[]> columns = new ArrayList<>(); // scenario id, setup, header
        for (Scenario s : scenarios) {
            for (Setup setup : r.setups().get(function)) {
                if (r.breakdowns().containsKey(new Key(s.id(), setup.name()))) {
                    columns.add(new String[]{s.id(), setup.name(), r.labels().get(s.id()) + ", " + setup.name()});
                }
            }
        }
        if (columns.isEmpty()) return;
        b.append("#### Where the time goes (`Breakdown`, median of ").append(r.options().breakdownRuns()).append(" runs, ms)\n\n| stage ");
        StringBuilder rule = new StringBuilder("|---");
        for (String[] c : columns) {
            b.append("| ").append(c[2]).append(' ');
            rule.append("|---:");
        }
        b.append("|\n").append(rule).append("|\n");
        for (String[] stage : STAGES) {
            boolean any = columns.stream().anyMatch(c -> r.breakdowns().get(new Key(c[0], c[1])).stream().anyMatch(l -> l.has(stage[0])));
            if (!any) continue;
            b.append("| ").append(stage[1]).append(' ');
            for (String[] c : columns) {
                List<Double> values = r.breakdowns().get(new Key(c[0], c[1])).stream().filter(l -> l.has(stage[0])).map(l -> l.number(stage[0])).toList();
                b.append("| ").append(values.isEmpty() ? "–" : num(Stats.of(values).median(), false)).append(' ');
            }
            b.append("|\n");
        }
        r.breakdowns().entrySet().stream().filter(e -> e.getKey().scenario().startsWith(function + "/"))
                .flatMap(e -> e.getValue().stream()).filter(l -> l.has("bcrypt_cost")).findFirst()
                .ifPresent(l -> b.append("\nThe bcrypt row is at cost ").append(l.text("bcrypt_cost"))
                        .append(" (`GANTRY_BCRYPT_COST` unset: the production default).\n"));
        b.append('\n');
    }

    private static void histogram(StringBuilder b, Results r, String function) {
        Map<Key, Map<String, Integer>> mine = new LinkedHashMap<>();
        r.histograms().forEach((k, h) -> { if (k.scenario().startsWith(function + "/")) mine.put(k, h); });
        if (mine.isEmpty()) return;
        b.append("#### Classes loaded by library (one `-Xlog:class+load` run per event and jar, default flags; and the classes the first"
                + " request after a primed restore still loads)\n\n| library ");
        StringBuilder rule = new StringBuilder("|---");
        for (Key k : mine.keySet()) {
            b.append("| ").append(r.labels().get(k.scenario())).append(" (").append(k.setup()).append(") ");
            rule.append("|---:");
        }
        b.append("|\n").append(rule).append("|\n");
        TreeSet<String> groups = new TreeSet<>(Comparator.comparingInt((String g) -> -mine.values().stream()
                .mapToInt(h -> h.getOrDefault(g, 0)).max().orElse(0)).thenComparing(Function.identity()));
        mine.values().forEach(h -> groups.addAll(h.keySet()));
        for (String g : groups) {
            b.append("| ").append(g).append(' ');
            for (Map<String, Integer> h : mine.values()) b.append("| ").append(h.getOrDefault(g, 0)).append(' ');
            b.append("|\n");
        }
        b.append("| **total** ");
        for (Map<String, Integer> h : mine.values()) b.append("| **").append(h.values().stream().mapToInt(Integer::intValue).sum()).append("** ");
        b.append("|\n\n");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static JarInfo jar(Results r, String function, String label) {
        return r.jars(function).stream().filter(j -> java.util.Objects.equals(j.label(), label)).findFirst().orElse(null);
    }

    /** The compared build's median, or null when there is none. */
    private static Double before(Results r, Scenario s, String label, Variant v, Metric m) {
        return label == null ? null : median(r, s, label, v, m);
    }

    private static Double median(Results r, Scenario s, String label, Variant v, Metric m) {
        if (!r.options().variants().contains(v)) return null;
        List<Double> values = values(r.runs(s.id(), label == null ? v.name() : label + " " + v.name()), m);
        return values.isEmpty() ? null : Stats.of(values).median();
    }

    private static String pair(Double before, Double after, String format) {
        String a = after == null ? "–" : String.format(Locale.ROOT, format, after);
        return before == null ? a : String.format(Locale.ROOT, format, before) + " → " + a;
    }

    private static List<Double> values(List<Measurement> ms, Metric m) {
        List<Double> out = new ArrayList<>();
        for (Measurement x : ms) {
            Double v = m.value(x);
            if (v != null) out.add(v);
        }
        return out;
    }

    private static String minMedMax(List<Measurement> ms, Metric m) {
        List<Double> v = values(ms, m);
        if (v.isEmpty()) return "–";
        Stats s = Stats.of(v);
        return num(s.min(), m.count()) + " / **" + num(s.median(), m.count()) + "** / " + num(s.max(), m.count());
    }

    private static String medianText(List<Measurement> ms, Metric m) {
        List<Double> v = values(ms, m);
        return v.isEmpty() ? "–" : num(Stats.of(v).median(), m.count());
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

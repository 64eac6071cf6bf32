package dev.gantry.bench;

import dev.gantry.bench.invoke.Timeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** One child's {@code gantry-invoke key=value ...} line, read back. */
public record InvokeLine(Map<String, String> fields) {

    /** The last result line in a child's standard output (which also carries the function's JSON logs). */
    public static Optional<InvokeLine> find(String stdout) {
        InvokeLine found = null;
        for (String line : stdout.split("\\R")) {
            if (line.startsWith(Timeline.PREFIX + " ")) found = parse(line);
        }
        return Optional.ofNullable(found);
    }

    public static InvokeLine parse(String line) {
        if (!line.startsWith(Timeline.PREFIX + " ")) throw new IllegalArgumentException("not a result line: " + line);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String token : line.substring(Timeline.PREFIX.length() + 1).trim().split(" +")) {
            int eq = token.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("bad field '" + token + "' in: " + line);
            fields.put(token.substring(0, eq), token.substring(eq + 1));
        }
        return new InvokeLine(Map.copyOf(fields));
    }

    public boolean has(String key) { return fields.containsKey(key); }

    public double number(String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalArgumentException("no " + key + " in " + fields);
        return Double.parseDouble(v);
    }

    public int status() { return (int) number("status"); }

    public String text(String key) { return fields.get(key); }
}

package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openapi.yaml}, read with Jackson YAML and every {@code $ref} inlined: its operations with
 * their parameters, request body schema and example, and the answers each documents (status and the
 * error codes that status may carry). The fuzz suite is generated from this, so a path added to the
 * document is fuzzed without a change here.
 */
public final class OpenApi {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern CODE = Pattern.compile("^[a-z][a-z0-9_]*$");
    private static final Pattern BACKTICKED = Pattern.compile("`([a-z][a-z0-9_]*)`");

    /** A parameter: {@code in} is path, query, header or cookie; the schema has its refs inlined. */
    public record Param(String name, String in, boolean required, JsonNode schema, JsonNode example) {}

    /**
     * One operation. {@code answers}: each documented status with the error codes its response
     * names (empty: the response names none, and any code the document knows is accepted).
     */
    public record Operation(String method, String template, String id, boolean isPublic, List<Param> params,
                            JsonNode bodySchema, JsonNode bodyExample, boolean bodyRequired, Map<Integer, Set<String>> answers) {
        public String key() { return method + " " + template; }

        public List<Param> params(String in) {
            return params.stream().filter(p -> p.in().equals(in)).toList();
        }

        public List<String> segments() { return split(template); }

        public boolean takesBody() { return bodySchema != null; }

        /** True when the raw path's segments fit the template (a parameter takes any non-empty segment). */
        boolean matches(List<String> raw) {
            List<String> want = segments();
            if (want.size() != raw.size()) return false;
            for (int i = 0; i < want.size(); i++) {
                String w = want.get(i);
                if (isParameter(w)) {
                    if (raw.get(i).isEmpty()) return false;
                } else if (!w.equals(raw.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() { return key(); }
    }

    /** What the document says a request should get: its operation, else the methods its path allows (405), else nothing (404). */
    public record Expectation(Operation operation, Set<String> allowedMethods) {
        public boolean unknownPath() { return operation == null && allowedMethods.isEmpty(); }
    }

    private final JsonNode root;
    private final List<Operation> operations;
    private final Set<String> allCodes;

    private OpenApi(JsonNode root) {
        this.root = root;
        List<Operation> ops = new ArrayList<>();
        Set<String> codes = new TreeSet<>();
        JsonNode paths = root.get("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            List<Param> shared = params(path.getValue().get("parameters"));
            for (Iterator<Map.Entry<String, JsonNode>> ms = path.getValue().fields(); ms.hasNext(); ) {
                Map.Entry<String, JsonNode> m = ms.next();
                if (!METHODS.contains(m.getKey())) continue;
                JsonNode op = m.getValue();
                List<Param> params = new ArrayList<>(shared);
                for (Param p : params(op.get("parameters"))) {
                    params.removeIf(q -> q.name().equalsIgnoreCase(p.name()) && q.in().equals(p.in()));
                    params.add(p);
                }
                JsonNode security = op.has("security") ? op.get("security") : root.get("security");
                boolean isPublic = security != null && security.isArray() && security.isEmpty();
                JsonNode body = null;
                JsonNode example = null;
                boolean required = false;
                if (op.has("requestBody")) {
                    JsonNode rb = inline(op.get("requestBody"));
                    JsonNode media = rb.path("content").path("application/json");
                    body = media.get("schema");
                    example = media.has("example") ? media.get("example") : body == null ? null : body.get("example");
                    required = rb.path("required").asBoolean(false);
                }
                Map<Integer, Set<String>> answers = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> rs = op.get("responses").fields(); rs.hasNext(); ) {
                    Map.Entry<String, JsonNode> r = rs.next();
                    Set<String> named = errorCodes(inline(r.getValue()));
                    answers.put(Integer.parseInt(r.getKey()), named);
                    codes.addAll(named);
                }
                ops.add(new Operation(m.getKey().toUpperCase(Locale.ROOT), path.getKey(), op.path("operationId").asText(null),
                        isPublic, List.copyOf(params), body, example, required, answers));
            }
        }
        this.operations = List.copyOf(ops);
        this.allCodes = Set.copyOf(codes);
    }

    /** The project's {@code openapi.yaml}: the tests module's parent directory, wherever the build runs from. */
    public static OpenApi load() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("openapi.yaml");
            if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("tests"))) return load(candidate);
        }
        throw new IllegalStateException("no openapi.yaml above " + here);
    }

    public static OpenApi load(Path file) {
        try {
            return new OpenApi(new ObjectMapper(new YAMLFactory()).readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Operation> operations() { return operations; }

    public Operation operation(String method, String template) {
        return operations.stream().filter(o -> o.method().equals(method) && o.template().equals(template)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no operation " + method + " " + template));
    }

    /** The conventions every endpoint follows: the document's {@code info.description}. */
    public String conventions() { return root.path("info").path("description").asText(""); }

    /** Every error code some response of the document names. */
    public Set<String> allCodes() { return allCodes; }

    /** The operation the document has for this method and raw path (matched as the router matches: raw segments). */
    public Expectation expect(String method, String rawPath) {
        List<String> raw = split(rawPath);
        Set<String> allowed = new LinkedHashSet<>();
        for (Operation op : operations) {
            if (!op.matches(raw)) continue;
            if (op.method().equals(method)) return new Expectation(op, Set.of());
            allowed.add(op.method());
        }
        return new Expectation(null, allowed);
    }

    /** Segments of a path as the router splits it: no leading slash, empty segments kept. */
    public static List<String> split(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) return List.of();
        String p = path.startsWith("/") ? path.substring(1) : path;
        return List.of(p.split("/", -1));
    }

    static boolean isParameter(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }

    private List<Param> params(JsonNode list) {
        List<Param> out = new ArrayList<>();
        if (list == null) return out;
        for (JsonNode p : list) {
            JsonNode q = inline(p);
            JsonNode schema = q.path("schema");
            JsonNode example = q.has("example") ? q.get("example") : schema.has("example") ? schema.get("example")
                    : schema.path("examples").isArray() && !schema.get("examples").isEmpty() ? schema.get("examples").get(0) : null;
            out.add(new Param(q.get("name").asText(), q.get("in").asText(), q.path("required").asBoolean(false), schema, example));
        }
        return out;
    }

    /**
     * The codes a response names: {@code const} and {@code enum} of the envelope's {@code error}, and
     * the {@code error} of its examples; when neither says, the back-quoted codes of its description.
     */
    private static Set<String> errorCodes(JsonNode response) {
        Set<String> codes = new TreeSet<>();
        JsonNode media = response.path("content").path("application/json");
        collectErrorConstraints(media.path("schema"), codes);
        if (media.path("example").has("error")) codes.add(media.path("example").path("error").asText());
        for (JsonNode ex : media.path("examples")) {
            if (ex.path("value").has("error")) codes.add(ex.path("value").path("error").asText());
        }
        if (codes.isEmpty() && media.has("schema")) {
            Matcher m = BACKTICKED.matcher(response.path("description").asText(""));
            while (m.find()) codes.add(m.group(1));
        }
        codes.removeIf(c -> !CODE.matcher(c).matches());
        return codes;
    }

    private static void collectErrorConstraints(JsonNode schema, Set<String> codes) {
        if (schema == null || schema.isMissingNode()) return;
        JsonNode error = schema.path("properties").path("error");
        if (error.has("const")) codes.add(error.get("const").asText());
        for (JsonNode e : error.path("enum")) codes.add(e.asText());
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            for (JsonNode s : schema.path(combinator)) collectErrorConstraints(s, codes);
        }
    }

    /** A deep copy with every {@code $ref} replaced by what it names (the document has no recursive schemas). */
    JsonNode inline(JsonNode node) {
        return inline(node, 0);
    }

    private JsonNode inline(JsonNode node, int depth) {
        if (depth > 64) throw new IllegalStateException("$ref cycle in openapi.yaml");
        if (node == null) return null;
        if (node.isObject()) {
            if (node.has("$ref")) {
                JsonNode target = root.at(node.get("$ref").asText().substring(1));
                if (target.isMissingNode()) throw new IllegalStateException("dangling " + node.get("$ref"));
                JsonNode resolved = inline(target, depth + 1);
                // siblings of $ref (OpenAPI 3.1 allows e.g. a description beside it) override the target's
                if (node.size() > 1 && resolved.isObject()) {
                    ObjectNode merged = ((ObjectNode) resolved).deepCopy();
                    node.fields().forEachRemaining(e -> {
                        if (!e.getKey().equals("$ref")) merged.set(e.getKey(), inline(e.getValue(), depth + 1));
                    });
                    return merged;
                }
                return resolved;
            }
            ObjectNode copy = ((ObjectNode) node).objectNode();
            node.fields().forEachRemaining(e -> copy.set(e.getKey(), inline(e.getValue(), depth + 1)));
            return copy;
        }
        if (node.isArray()) {
            var copy = ((com.fasterxml.jackson.databind.node.ArrayNode) node).arrayNode();
            node.forEach(n -> copy.add(inline(n, depth + 1)));
            return copy;
        }
        return node;
    }

    /** For reports: each operation with its documented statuses. */
    public Map<String, Set<Integer>> statusTable() {
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        for (Operation op : operations) out.put(op.key(), op.answers().keySet());
        return out;
    }
}

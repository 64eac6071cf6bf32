package dev.gantry.tests;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The repo's {@code openapi.yaml} as a checker of real traffic (issue #9): Atlassian's OpenAPI
 * request/response validator, loaded once per JVM. Every exchange the end-to-end scenarios make
 * through {@link LocalGantry} is checked: the response's status must be documented for the
 * operation, its documented headers present and well-formed and every header it sends documented,
 * its body valid against the schema with no field the schema does not name; a request the server
 * accepted (2xx) is checked too (path and query parameters, security, body). Requests that
 * scenarios get wrong on purpose are checked only on the response side; a path or method the
 * document does not list must get the router's own 404 or 405.
 */
final class OpenApiContract {
    /** One HTTP exchange as it went over the wire; header names in any case, values as sent. */
    record Exchange(String method, String pathAndQuery, Map<String, List<String>> requestHeaders, String requestBody,
                    int status, Map<String, List<String>> responseHeaders, String responseBody) {
        String describe() {
            return method + " " + pathAndQuery + " -> " + status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /**
     * Response headers not listed per operation: HTTP's framing; the two every response carries,
     * which the document's conventions state once; and API Gateway's own request id (the local
     * front adds it as API Gateway does).
     */
    private static final Set<String> NOT_PER_OPERATION = Set.of("content-type", "content-length", "date", "connection",
            "transfer-encoding", "keep-alive", "cache-control", "x-content-type-options", "apigw-requestid");
    private static OpenApiContract instance;

    static {
        // The validator parses bodies with Jackson's defaults, whose 20 MB string cap is below the
        // 25 MiB GitHub delivery the API accepts (GitHubWebhooksIT sends one).
        StreamReadConstraints.overrideDefaultStreamReadConstraints(StreamReadConstraints.builder().maxStringLength(64 << 20).build());
    }

    private final OpenApiInteractionValidator validator;
    private final JsonNode document;
    private final AtomicInteger responsesChecked = new AtomicInteger();
    private final AtomicInteger requestsChecked = new AtomicInteger();
    private final AtomicInteger violationsFound = new AtomicInteger();

    private OpenApiContract(String yaml) {
        // Every finding is an error: the library ignores undocumented query parameters by default,
        // and a parameter the document does not list is a gap in the contract, too. Its own
        // "no additional properties" rewrite is off: it closes each allOf branch on its own, so an
        // error body (Error + its code) fails on the fields of the other branch. closeObjects
        // gives the same strictness with JSON Schema 2020-12's unevaluatedProperties instead.
        this.document = closeObjects(yaml);
        this.validator = OpenApiInteractionValidator.createForInlineApiSpecification(this.document.toString())
                .withLevelResolver(LevelResolver.create().withDefaultLevel(ValidationReport.Level.ERROR)
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE).build())
                .withStrictOperationPathMatching()
                .build();
    }

    /**
     * The document as this checker reads it: every object a request or response body holds that
     * lists its {@code properties} is closed ({@code unevaluatedProperties: false}, placed where the
     * object is used so that allOf branches and $refs combine), so a field the document does not
     * name is a violation. Objects the document leaves open on purpose (a free-form {@code type:
     * object}, or {@code additionalProperties} given) stay open. The file itself is not changed.
     */
    static JsonNode closeObjects(String yaml) {
        try {
            ObjectNode doc = (ObjectNode) YAML.readTree(yaml);
            JsonNode schemas = doc.path("components").path("schemas");
            new ObjectCloser(schemas).closeAll(doc);
            return doc;
        } catch (IOException e) {
            throw new UncheckedIOException("openapi.yaml is not YAML", e);
        }
    }

    /** Walks a document and marks each use of an object schema that names its properties as closed. */
    private record ObjectCloser(JsonNode components) {
        private static final List<String> COMBINATORS = List.of("allOf", "anyOf", "oneOf");

        void closeAll(JsonNode doc) {
            // a body's schema is a use site; a component is only walked (it may be an allOf branch)
            for (JsonNode content : doc.findValues("content")) {
                for (JsonNode media : content) {
                    if (media.path("schema").isObject()) closeUse((ObjectNode) media.get("schema"));
                }
            }
            components.forEach(this::walk);
        }

        private void closeUse(ObjectNode schema) {
            if (!schema.has("additionalProperties") && !schema.has("unevaluatedProperties")
                    && namesProperties(schema, 0) && !open(schema, 0)) {
                schema.put("unevaluatedProperties", false);
            }
            walk(schema);
        }

        /** The schemas inside: property values, items and map values are uses; branches are walked, not closed. */
        private void walk(JsonNode schema) {
            if (!schema.isObject()) return;
            schema.path("properties").forEach(p -> { if (p.isObject()) closeUse((ObjectNode) p); });
            if (schema.path("items").isObject()) closeUse((ObjectNode) schema.get("items"));
            schema.path("prefixItems").forEach(p -> { if (p.isObject()) closeUse((ObjectNode) p); });
            if (schema.path("additionalProperties").isObject()) closeUse((ObjectNode) schema.get("additionalProperties"));
            for (String c : COMBINATORS) schema.path(c).forEach(this::walk);
        }

        private JsonNode target(JsonNode schema) {
            String ref = schema.path("$ref").asText("");
            return ref.startsWith("#/components/schemas/") ? components.path(ref.substring("#/components/schemas/".length())) : null;
        }

        private boolean namesProperties(JsonNode schema, int depth) {
            if (depth > 20) return false;
            if (schema.has("properties")) return true;
            JsonNode t = target(schema);
            if (t != null && namesProperties(t, depth + 1)) return true;
            for (String c : COMBINATORS) for (JsonNode b : schema.path(c)) if (namesProperties(b, depth + 1)) return true;
            return false;
        }

        /** Open on purpose: additionalProperties allowed, or a bare {@code type: object} map, here or in any branch. */
        private boolean open(JsonNode schema, int depth) {
            if (depth > 20) return false;
            JsonNode extra = schema.has("additionalProperties") ? schema.get("additionalProperties") : schema.get("unevaluatedProperties");
            if (extra != null && !(extra.isBoolean() && !extra.asBoolean())) return true;
            boolean bareObject = "object".equals(schema.path("type").asText()) && !schema.has("properties") && !schema.has("$ref")
                    && COMBINATORS.stream().noneMatch(schema::has);
            if (bareObject) return true;
            JsonNode t = target(schema);
            if (t != null && open(t, depth + 1)) return true;
            for (String c : COMBINATORS) for (JsonNode b : schema.path(c)) if (open(b, depth + 1)) return true;
            return false;
        }
    }

    /** The contract of the repo this test runs in, parsed on first use. */
    static synchronized OpenApiContract get() {
        if (instance == null) {
            Path file = locate();
            try {
                instance = new OpenApiContract(Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return instance;
    }

    /** {@code openapi.yaml} at the repo root: the first directory upwards from the working directory that holds it beside a pom.xml. */
    private static Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("openapi.yaml");
            if (Files.isRegularFile(candidate) && Files.isRegularFile(dir.resolve("pom.xml"))) return candidate;
        }
        throw new IllegalStateException("no openapi.yaml above " + Path.of("").toAbsolutePath());
    }

    int responsesChecked() {
        return responsesChecked.get();
    }

    int requestsChecked() {
        return requestsChecked.get();
    }

    int violationsFound() {
        return violationsFound.get();
    }

    /** Fails with every finding, naming the exchange, when the exchange breaks the document. */
    void check(Exchange e) {
        List<String> violations = violations(e);
        if (!violations.isEmpty()) {
            throw new AssertionError("openapi.yaml does not describe " + e.describe() + ":\n  - " + String.join("\n  - ", violations)
                    + "\n  response body: " + abbreviate(e.responseBody()));
        }
    }

    /** What the document says is wrong with this exchange; empty when it conforms. */
    List<String> violations(Exchange e) {
        List<String> found = findings(e);
        violationsFound.addAndGet(found.size());
        return found;
    }

    private List<String> findings(Exchange e) {
        Request.Method method = Request.Method.valueOf(e.method().toUpperCase(Locale.ROOT));
        int q = e.pathAndQuery().indexOf('?');
        String path = q < 0 ? e.pathAndQuery() : e.pathAndQuery().substring(0, q);
        SimpleResponse response = response(e);
        List<String> found = new ArrayList<>();
        responsesChecked.incrementAndGet();
        ValidationReport report;
        if (e.status() >= 200 && e.status() < 300) {
            requestsChecked.incrementAndGet();
            report = validator.validate(request(e, method, path, e.pathAndQuery().substring(q < 0 ? path.length() : q + 1)), response);
        } else {
            report = validator.validateResponse(path, method, response);
        }
        if (unknownRoute(report)) return unknownRouteViolations(e, report);
        found.addAll(undocumentedHeaders(e, method, path));
        for (ValidationReport.Message m : report.getMessages()) {
            if (m.getLevel() != ValidationReport.Level.ERROR) continue;
            // The library checks the Content-Type of an optional body even when none was sent.
            if (m.getKey().equals("validation.request.contentType.notAllowed") && e.requestBody() == null
                    && header(e.requestHeaders(), "Content-Type") == null) continue;
            found.add(render(m));
        }
        return found;
    }

    /**
     * Response headers the document does not list for this status. The library checks the listed
     * ones (present when required, well-formed); this checks the other way, so that a header the
     * API sends, such as ETag or RateLimit-*, is documented wherever it is sent.
     */
    private List<String> undocumentedHeaders(Exchange e, Request.Method method, String path) {
        JsonNode operation = operation(path).path(method.name().toLowerCase(Locale.ROOT));
        JsonNode response = resolve(operation.path("responses").path(String.valueOf(e.status())));
        if (response.isMissingNode()) return List.of(); // an undocumented status is reported by the validator
        List<String> found = new ArrayList<>();
        for (String name : e.responseHeaders().keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_PER_OPERATION.contains(lower) || lower.startsWith(":")) continue;
            // the conventions say error answers of limited routes carry the RateLimit headers too
            if (e.status() >= 400 && (lower.equals("ratelimit") || lower.startsWith("ratelimit-"))) continue;
            boolean documented = false;
            for (var it = response.path("headers").fieldNames(); it.hasNext(); ) documented |= it.next().equalsIgnoreCase(name);
            if (!documented) found.add("response header " + name + " is not documented for " + e.status());
        }
        return found;
    }

    /** The path item whose template matches {@code path}; the one with the fewest parameters when several do. */
    private JsonNode operation(String path) {
        JsonNode best = MissingNode.getInstance();
        int bestParams = Integer.MAX_VALUE;
        for (var it = document.path("paths").fields(); it.hasNext(); ) {
            var entry = it.next();
            String template = entry.getKey();
            String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            int params = template.split("\\{", -1).length - 1;
            if (path.matches(regex) && params < bestParams) {
                best = entry.getValue();
                bestParams = params;
            }
        }
        return best;
    }

    /** A response object, following one {@code $ref} to components/responses. */
    private JsonNode resolve(JsonNode response) {
        String ref = response.path("$ref").asText("");
        if (!ref.startsWith("#/components/responses/")) return response;
        return document.path("components").path("responses").path(ref.substring("#/components/responses/".length()));
    }

    /** The document has no operation for this method and path (a request a scenario sent wrong on purpose). */
    private static boolean unknownRoute(ValidationReport report) {
        return report.getMessages().stream().anyMatch(m -> m.getKey().equals("validation.request.path.missing")
                || m.getKey().equals("validation.request.operation.notAllowed"));
    }

    /**
     * A route the document does not list can only be answered by the router itself: 404
     * {@code not_found} for an unknown path, 405 {@code method_not_allowed} (with {@code Allow})
     * for a known path and another method. The 405 body is then checked against an operation of
     * the same path, which documents it; the 404 against the error envelope the document defines.
     */
    private List<String> unknownRouteViolations(Exchange e, ValidationReport report) {
        JsonNode body = parse(e.responseBody());
        String error = body == null ? null : body.path("error").asText(null);
        boolean pathKnown = report.getMessages().stream().noneMatch(m -> m.getKey().equals("validation.request.path.missing"));
        if (!pathKnown) {
            List<String> found = new ArrayList<>();
            if (e.status() != 404 || !"not_found".equals(error)) {
                found.add("a path the document does not list is answered " + e.status() + " " + error + ", not the router's 404 not_found");
            }
            found.addAll(envelopeViolations(e, body));
            return found;
        }
        if (e.status() != 405 || !"method_not_allowed".equals(error)) {
            return List.of(e.method() + " is not documented on this path, yet the answer is " + e.status() + " " + error
                    + ", not 405 method_not_allowed");
        }
        String allow = header(e.responseHeaders(), "Allow");
        if (allow == null || allow.isBlank()) return List.of("405 without an Allow header");
        Request.Method documented = Request.Method.valueOf(allow.split(",")[0].trim().toUpperCase(Locale.ROOT));
        int q = e.pathAndQuery().indexOf('?');
        String path = q < 0 ? e.pathAndQuery() : e.pathAndQuery().substring(0, q);
        return validator.validateResponse(path, documented, response(e)).getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR).map(OpenApiContract::render).toList();
    }

    /** The error envelope every error shares (components/schemas/Error), for answers no operation documents. */
    private static List<String> envelopeViolations(Exchange e, JsonNode body) {
        List<String> found = new ArrayList<>();
        if (body == null || !body.isObject()) return List.of("the error body is not a JSON object");
        for (String field : List.of("error", "message", "request_id")) {
            if (!body.path(field).isTextual()) found.add("the error body has no string `" + field + "`");
        }
        String requestId = header(e.responseHeaders(), "X-Request-Id");
        if (requestId == null || !requestId.equals(body.path("request_id").asText())) found.add("request_id differs from X-Request-Id");
        return found;
    }

    private static SimpleRequest request(Exchange e, Request.Method method, String path, String query) {
        SimpleRequest.Builder b = new SimpleRequest.Builder(method, path);
        e.requestHeaders().forEach(b::withHeader);
        if (e.requestBody() != null) b.withBody(e.requestBody());
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                b.withQueryParam(name, value);
            }
        }
        return b.build();
    }

    private static SimpleResponse response(Exchange e) {
        SimpleResponse.Builder b = new SimpleResponse.Builder(e.status());
        e.responseHeaders().forEach(b::withHeader);
        if (e.responseBody() != null && !e.responseBody().isEmpty()) b.withBody(e.responseBody());
        return b.build();
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name)).findFirst()
                .map(h -> String.join(",", h.getValue())).orElse(null);
    }

    private static String render(ValidationReport.Message m) {
        StringBuilder s = new StringBuilder(m.getKey()).append(": ").append(m.getMessage());
        m.getContext().flatMap(ValidationReport.MessageContext::getPointers)
                .ifPresent(p -> s.append(" [at ").append(p.getInstance()).append("]"));
        for (String info : m.getAdditionalInfo()) s.append(" (").append(info).append(')');
        for (ValidationReport.Message nested : m.getNestedMessages()) s.append("\n      ").append(render(nested));
        return s.toString();
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) return null;
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String abbreviate(String body) {
        if (body == null) return "(none)";
        return body.length() <= 2000 ? body : body.substring(0, 2000) + "…";
    }
}

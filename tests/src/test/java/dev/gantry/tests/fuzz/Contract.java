package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What every answer must be, whatever was sent (API.md §1 and openapi.yaml): never a 5xx; a status
 * the document lists for the operation the request reaches (405 with {@code Allow} for a known path
 * and another method, 404 {@code not_found} for an unknown path); an error body that is the
 * envelope, with a code the document names for that status; an {@code X-Request-Id} of the server's
 * own making, repeated in the envelope.
 */
public final class Contract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REQUEST_ID = Pattern.compile("^req_[0-9a-z]{26}$");
    private static final Pattern CODE = Pattern.compile("^[a-z][a-z0-9_]*$");
    private static final Set<String> ENVELOPE_FIELDS = Set.of("error", "message", "request_id", "details", "upgrade_url");
    /** What an answer must never carry: a stack trace or an exception's class name. */
    private static final Pattern INTERNALS = Pattern.compile("(Exception|\\bat (dev|java|com|software|org)\\.[a-zA-Z.$]+\\()");

    private final OpenApi api;

    public Contract(OpenApi api) {
        this.api = api;
    }

    /**
     * Answers the document's conventions promise on every operation, each accepted only in its
     * situation: 304 to a GET with If-None-Match ("Successful GETs return a strong ETag and answer a
     * matching If-None-Match with 304"), 413 to a body over the limit ("A body over 256 KiB gets
     * 413"), and the two idempotency 409s to an authenticated POST with an Idempotency-Key ("Every
     * authenticated POST accepts Idempotency-Key"). Each is taken from the document only while
     * its sentence is there.
     */
    private record Generic(int status, Set<String> codes, String sentence) {}

    private static final List<Generic> GENERIC = List.of(
            new Generic(304, Set.of(), "answer a matching `If-None-Match` with 304"),
            new Generic(413, Set.of("payload_too_large"), "A body over 256 KiB gets 413"),
            new Generic(409, Set.of("idempotency_key_reused", "idempotency_key_in_use"), "Every authenticated POST accepts `Idempotency-Key`"));

    private boolean generic(int status, Wire.Request request, OpenApi.Operation op) {
        for (Generic g : GENERIC) {
            if (g.status() != status || !api.conventions().contains(g.sentence())) continue;
            boolean applies = switch (status) {
                case 304 -> request.method().equals("GET") && request.header("if-none-match") != null;
                case 413 -> request.body() != null && request.body().length > Values.BODY_LIMIT;
                case 409 -> request.method().equals("POST") && !op.isPublic() && request.header("idempotency-key") != null;
                default -> false;
            };
            if (applies) return true;
        }
        return false;
    }

    private static Set<String> genericCodes(int status) {
        for (Generic g : GENERIC) if (g.status() == status) return g.codes();
        return Set.of();
    }

    /**
     * Whether the request reaches the API at all. A request-target that is not a URI with a path
     * (a bare {@code %}, {@code %zz}, a quote, a control byte; {@code //x}, whose "x" is a host)
     * is refused by the HTTP server in front of the functions, as API Gateway refuses it at its
     * edge in AWS: the answer is the server's own 400 or 404, without the API's envelope.
     */
    public static boolean reachesTheApi(Wire.Request request) {
        String path = request.rawPath();
        return path != null && path.startsWith("/");
    }

    /** What is wrong with this answer to this request; empty when nothing is. */
    public List<String> violations(Wire.Request request, Wire.Response response) {
        List<String> problems = new ArrayList<>();
        int status = response.status();
        if (!reachesTheApi(request)) {
            // refused before the API: only a client error will do, and nothing of the server's internals
            if (status != 400 && status != 404 && status != Wire.NO_ANSWER) {
                problems.add(status + " to a request-target that is not a URI (the front's 400 expected)");
            }
            if (INTERNALS.matcher(response.text()).find() && !response.text().contains("URISyntaxException thrown")) {
                problems.add("the front's answer shows internals");
            }
            return problems;
        }
        // 503 unavailable is documented where a dependency (GitHub, a provider) may be down; it is checked
        // against the operation's statuses below like any other. Every other 5xx is a bug.
        if (status == Wire.NO_ANSWER) {
            problems.add("the connection closed without an answer");
            return problems;
        }
        if (status >= 500 && status != 503) problems.add("a " + status + " (no input, however malformed, produces a 5xx)");

        String requestId = response.header("x-request-id");
        if (requestId == null) problems.add("no X-Request-Id");
        else if (!REQUEST_ID.matcher(requestId).matches()) problems.add("X-Request-Id " + requestId + " is not the server's req_<ulid>");

        OpenApi.Expectation expected = api.expect(request.method(), request.rawPath());
        Set<String> codes;
        if (expected.operation() != null) {
            OpenApi.Operation op = expected.operation();
            int limit = op.template().equals("/webhooks/github") ? Values.GITHUB_BODY_LIMIT : Values.BODY_LIMIT;
            if (request.body() != null && request.body().length > limit && status != 413) {
                problems.add(status + " to a body of " + request.body().length + " bytes, over the limit of " + limit + " (413 expected)");
            }
            if (op.answers().containsKey(status)) {
                codes = new java.util.TreeSet<>(op.answers().get(status));
                if (!codes.isEmpty() && generic(status, request, op)) codes.addAll(genericCodes(status));
            } else if (generic(status, request, op)) {
                codes = genericCodes(status);
            } else {
                problems.add(status + " is not among the statuses openapi.yaml documents for " + op.key() + " " + op.answers().keySet());
                codes = Set.of();
            }
        } else if (!expected.allowedMethods().isEmpty()) {
            if (status != 405) problems.add(status + " for a method the path does not serve (405 expected; it serves " + expected.allowedMethods() + ")");
            codes = Set.of("method_not_allowed");
            if (status == 405) {
                Set<String> allow = new TreeSet<>();
                if (response.header("allow") != null) for (String m : response.header("allow").split(",")) allow.add(m.trim());
                if (!allow.equals(new TreeSet<>(expected.allowedMethods()))) {
                    problems.add("Allow: " + response.header("allow") + " but the document has " + expected.allowedMethods() + " on this path");
                }
            }
        } else {
            if (status != 404) problems.add(status + " for a path no operation has (404 not_found expected)");
            codes = Set.of("not_found");
        }

        if (status >= 400 && !request.method().equals("HEAD")) envelope(response, requestId, codes, problems);
        if (status == 204 || status == 304) {
            if (response.body().length > 0) problems.add(status + " with a body");
        } else if (status < 400 && response.body().length > 0 && !request.method().equals("HEAD")) {
            String type = response.header("content-type");
            if (type != null && type.startsWith("application/json")) {
                try {
                    JSON.readTree(response.body());
                } catch (IOException e) {
                    problems.add("a " + status + " whose body is not JSON");
                }
            }
        }
        return problems;
    }

    private void envelope(Wire.Response response, String requestId, Set<String> documented, List<String> problems) {
        String type = response.header("content-type");
        if (type == null || !type.startsWith("application/json")) problems.add("error with Content-Type " + type);
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            problems.add("error body is not JSON");
            return;
        }
        if (body == null || !body.isObject()) {
            problems.add("error body is not the envelope (an object)");
            return;
        }
        Set<String> extra = new LinkedHashSet<>();
        body.fieldNames().forEachRemaining(f -> { if (!ENVELOPE_FIELDS.contains(f)) extra.add(f); });
        if (!extra.isEmpty()) problems.add("envelope has fields " + extra);
        String code = body.path("error").asText(null);
        if (code == null || !body.get("error").isTextual() || !CODE.matcher(code).matches()) {
            problems.add("envelope's error is not a snake_case code: " + body.get("error"));
        } else if (!documented.isEmpty() && !documented.contains(code)) {
            problems.add("error " + code + " is not a code the document names for " + response.status() + " " + documented);
        } else if (documented.isEmpty() && !api.allCodes().contains(code)) {
            problems.add("error " + code + " is a code the document never names");
        }
        if (!body.path("message").isTextual() || body.get("message").asText().isBlank()) problems.add("envelope has no message");
        else if (INTERNALS.matcher(body.get("message").asText()).find()) problems.add("message shows internals: " + body.get("message").asText());
        if (!body.path("request_id").isTextual() || !body.get("request_id").asText().equals(requestId)) {
            problems.add("envelope's request_id " + body.get("request_id") + " is not the X-Request-Id " + requestId);
        }
        if (body.has("details") && !body.get("details").isObject()) problems.add("details is not an object");
        if ("validation_error".equals(code)) {
            JsonNode fields = body.path("details").path("fields");
            if (!fields.isArray() || fields.isEmpty()) problems.add("validation_error without details.fields");
            else for (JsonNode f : fields) {
                if (!f.path("field").isTextual() || !f.path("problem").isTextual() || f.get("problem").asText().isBlank()) {
                    problems.add("details.fields entry without field and problem: " + f);
                }
            }
        }
        if (response.status() == 402 && !body.path("upgrade_url").isTextual()) problems.add("402 without upgrade_url");
        if ((response.status() == 429) && response.header("retry-after") == null) problems.add("429 without Retry-After");
    }

    /** The violations as one failure message: the request to send again, what came back, and each problem. */
    public static String report(Wire.Request request, Wire.Response response, List<String> problems) {
        return "\n" + request.describe() + response.describe() + "\nproblems:\n  - " + String.join("\n  - ", problems) + "\n";
    }
}

package dev.gantry.shared.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.errors.ApiException.FieldProblem;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Strict reader of a JSON object body. A route reads each field it knows, then calls
 * {@link #done()}: every problem found (missing, wrong type, out of range, unknown field) is
 * reported at once as one 400 validation_error, so a client fixes its request in one go.
 */
public final class JsonBody {
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s\"<>]{1,64}@[^@\\s\"<>]{1,253}\\.[^@\\s\"<>.]{1,63}$");

    private final JsonNode node;
    private final Set<String> read = new HashSet<>();
    private final List<FieldProblem> problems = new ArrayList<>();

    public JsonBody(JsonNode node) {
        if (!node.isObject()) {
            throw ApiException.validation("(body)", "must be a JSON object");
        }
        this.node = node;
    }

    public static JsonBody empty() {
        return new JsonBody(Json.mapper().createObjectNode());
    }

    public String requiredString(String field, int minLength, int maxLength) {
        return string(field, true, minLength, maxLength);
    }

    public String optionalString(String field, int minLength, int maxLength) {
        return string(field, false, minLength, maxLength);
    }

    public String requiredEmail(String field) {
        String value = string(field, true, 3, 320);
        if (value != null && !EMAIL.matcher(value).matches()) {
            return problem(field, "must be an email address");
        }
        return value;
    }

    public String requiredMatching(String field, Pattern pattern, String description) {
        String value = string(field, true, 1, 1024);
        if (value != null && !pattern.matcher(value).matches()) {
            return problem(field, "must be " + description);
        }
        return value;
    }

    /** A string that must be one of a fixed set of values. */
    public String requiredEnum(String field, Set<String> allowed) {
        return oneOf(field, true, allowed);
    }

    public String optionalEnum(String field, Set<String> allowed) {
        return oneOf(field, false, allowed);
    }

    public Boolean optionalBoolean(String field) {
        JsonNode value = take(field);
        if (value == null || value.isNull()) return null;
        if (!value.isBoolean()) return problem(field, "must be a boolean");
        return value.booleanValue();
    }

    /** An optional array of strings: at most {@code maxItems}, each 1..maxLength characters. */
    public List<String> optionalStringList(String field, int maxItems, int maxLength) {
        JsonNode value = take(field);
        if (value == null || value.isNull()) return null;
        if (!value.isArray()) return problem(field, "must be an array of strings");
        if (value.size() > maxItems) return problem(field, "must have at most " + maxItems + " entries");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual() || item.textValue().isEmpty() || item.textValue().length() > maxLength) {
                return problem(field + "[" + i + "]", "must be a string of 1 to " + maxLength + " characters");
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An optional RFC 3339 time, such as {@code 2027-01-31T00:00:00Z}. */
    public java.time.Instant optionalInstant(String field) {
        String text = string(field, false, 1, 64);
        if (text == null) return null;
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return problem(field, "must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
        }
    }

    /** Records a problem found by the caller's own rule (e.g. a CIDR that does not parse). */
    public void reject(String field, String problem) {
        problems.add(new FieldProblem(field, problem));
    }

    public <T> T check(String field, T value, Predicate<T> rule, String problem) {
        if (value != null && !rule.test(value)) {
            return problem(field, problem);
        }
        return value;
    }

    /** Throws one validation_error listing every problem, including fields nobody read. */
    public void done() {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!read.contains(name)) {
                problems.add(new FieldProblem(name, "is not a known field"));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation(List.copyOf(problems));
        }
    }

    private String oneOf(String field, boolean required, Set<String> allowed) {
        String value = string(field, required, 1, 64);
        if (value != null && !allowed.contains(value)) {
            return problem(field, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return value;
    }

    private String string(String field, boolean required, int minLength, int maxLength) {
        JsonNode value = take(field);
        if (value == null || value.isNull()) {
            if (required) problems.add(new FieldProblem(field, "is required"));
            return null;
        }
        if (!value.isTextual()) {
            return problem(field, "must be a string");
        }
        String text = value.textValue();
        int length = text.codePointCount(0, text.length());
        if (length < minLength) {
            return problem(field, minLength == 1 ? "must not be empty" : "must be at least " + minLength + " characters");
        }
        if (length > maxLength) {
            return problem(field, "must be at most " + maxLength + " characters");
        }
        return text;
    }

    private JsonNode take(String field) {
        read.add(field);
        return node.get(field);
    }

    private <T> T problem(String field, String problem) {
        problems.add(new FieldProblem(field, problem));
        return null;
    }
}

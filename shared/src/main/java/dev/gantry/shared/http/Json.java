package dev.gantry.shared.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gantry.shared.errors.ApiException;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON mapper: snake_case out, strict in, bounded nesting. */
public final class Json {
    /** Deeply nested input is refused long before it could exhaust the stack. */
    public static final int MAX_NESTING = 64;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                    .build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.ALWAYS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {}

    public static ObjectMapper mapper() { return MAPPER; }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a request body; anything that is not one well-formed JSON document is malformed_json. */
    public static JsonNode parseBody(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.malformedJson("the body is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.malformedJson(describe(e));
        } catch (IOException e) {
            throw ApiException.malformedJson("the body could not be read");
        }
    }

    public static JsonNode readTree(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(JsonProcessingException e) {
        // Jackson's messages can echo input; keep only the location, never the content.
        var loc = e.getLocation();
        String what = e.getOriginalMessage() != null && e.getOriginalMessage().contains("nesting depth")
                ? "nesting deeper than " + MAX_NESTING + " levels"
                : e.getOriginalMessage() != null && e.getOriginalMessage().contains("Duplicate field")
                ? "a field appears twice"
                : "syntax error";
        return loc == null ? what : what + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** A text field of a JSON object, or null when the node or field is absent or not text. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }
}

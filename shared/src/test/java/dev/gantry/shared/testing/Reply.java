package dev.gantry.shared.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** One API answer as tests see it, whether it came from a handler call or over HTTP. */
public record Reply(int status, Map<String, String> headers, JsonNode json, String raw) {
    public Reply {
        Map<String, String> caseless = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) caseless.putAll(headers);
        headers = caseless;
    }

    public Reply expect(int expected) {
        assertThat(status).as("status of %s", raw).isEqualTo(expected);
        return this;
    }

    /** The status, the error code, and the envelope's request id equal to the X-Request-Id header. */
    public Reply expectError(int expected, String code) {
        expect(expected);
        assertThat(json.get("error").asText()).as(raw).isEqualTo(code);
        assertThat(json.get("message").asText()).isNotBlank();
        assertThat(json.get("request_id").asText()).isEqualTo(header("x-request-id"));
        return this;
    }

    public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

    public String text(String pointer) { return json.at(pointer).asText(); }
}

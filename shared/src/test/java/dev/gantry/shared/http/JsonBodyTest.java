package dev.gantry.shared.http;

import dev.gantry.shared.errors.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JsonBodyTest {
    private static JsonBody body(String json) {
        return new JsonBody(Json.parseBody(json.getBytes(StandardCharsets.UTF_8)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> fields(ApiException e) {
        return (List<Map<String, Object>>) e.details().get("fields");
    }

    @Test
    void readsValidFields() {
        JsonBody b = body("{\"email\":\"a@example.com\",\"name\":\"Ada\",\"role\":\"admin\"}");
        assertThat(b.requiredEmail("email")).isEqualTo("a@example.com");
        assertThat(b.requiredString("name", 1, 10)).isEqualTo("Ada");
        assertThat(b.requiredEnum("role", Set.of("admin", "viewer"))).isEqualTo("admin");
        b.done();
    }

    @Test
    void reportsEveryProblemAtOnce() {
        JsonBody b = body("{\"name\":42,\"role\":\"god\",\"extra\":true}");
        b.requiredEmail("email");
        b.requiredString("name", 1, 10);
        b.requiredEnum("role", Set.of("admin", "viewer"));
        ApiException e = catchThrowableOfType(ApiException.class, b::done);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("validation_error");
        assertThat(fields(e)).extracting(f -> f.get("field") + ": " + f.get("problem")).containsExactlyInAnyOrder(
                "email: is required",
                "name: must be a string",
                "role: must be one of admin, viewer",
                "extra: is not a known field");
    }

    @Test
    void lengthIsCountedInCharactersNotBytes() {
        JsonBody b = body("{\"name\":\"ééé\"}");
        assertThat(b.requiredString("name", 1, 3)).isEqualTo("ééé");
        b.done();
    }

    @Test
    void nullCountsAsMissing() {
        JsonBody b = body("{\"email\":null}");
        b.requiredEmail("email");
        assertThat(fields(catchThrowableOfType(ApiException.class, b::done))).singleElement()
                .satisfies(f -> assertThat(f).containsEntry("problem", "is required"));
    }

    @Test
    void aBodyThatIsNotAnObjectIsAValidationError() {
        assertThatThrownBy(() -> body("[1,2]")).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("validation_error"));
    }

    @Test
    void malformedJsonIsMalformedJson() {
        for (String bad : List.of("{", "{\"a\":}", "nope", "{\"a\":1}{\"b\":2}", "{\"a\":1,\"a\":2}", "[".repeat(1000) + "]".repeat(1000))) {
            assertThatThrownBy(() -> Json.parseBody(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad.length() > 20 ? bad.substring(0, 20) : bad)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("malformed_json"));
        }
    }

    @Test
    void malformedJsonMessagesNeverEchoTheInput() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> Json.parseBody("{\"password\": secret-value}".getBytes(StandardCharsets.UTF_8)));
        assertThat(e.getMessage()).doesNotContain("secret-value");
    }
}

package dev.gantry.shared.http;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.secrets.KeyRing;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CursorsTest {
    private final Cursors cursors = new Cursors(() -> KeyRing.parse("0123456789abcdef0123456789abcdef"));
    private final Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("WS#ws_1"), "sk", AttributeValue.fromS("AUDIT#aud_1"));

    @Test
    void roundTrips() {
        String c = cursors.encode("audit:ws_1", key);
        assertThat(cursors.decode("audit:ws_1", c)).isEqualTo(key);
        assertThat(cursors.encode("audit:ws_1", null)).isNull();
        assertThat(cursors.decode("audit:ws_1", null)).isNull();
    }

    @Test
    void aCursorFromAnotherListOrWorkspaceIsRejected() {
        String c = cursors.encode("audit:ws_1", key);
        assertInvalid("audit:ws_2", c);
        assertInvalid("members:ws_1", c);
    }

    @Test
    void anEditedCursorIsRejected() {
        String c = cursors.encode("audit:ws_1", key);
        char[] chars = c.toCharArray();
        chars[3] = chars[3] == 'A' ? 'B' : 'A';
        assertInvalid("audit:ws_1", new String(chars));
        assertInvalid("audit:ws_1", "garbage");
        assertInvalid("audit:ws_1", ".");
        assertInvalid("audit:ws_1", "x".repeat(5000));
    }

    @Test
    void aCursorSignedWithAnotherKeyIsRejected() {
        String foreign = new Cursors(() -> KeyRing.parse("another-key-another-key-another-k")).encode("audit:ws_1", key);
        assertInvalid("audit:ws_1", foreign);
    }

    private void assertInvalid(String scope, String cursor) {
        assertThatThrownBy(() -> cursors.decode(scope, cursor))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_cursor");
                });
    }
}

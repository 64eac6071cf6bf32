package dev.gantry.shared.auth;

import dev.gantry.shared.ids.Ids;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyTokensTest {
    @Test
    void tokensCarryPrefixKeyIdAndChecksum() {
        String id = Ids.newId("ak");
        String token = ApiKeyTokens.mint(id);
        assertThat(token).startsWith("gk_live_").hasSize(8 + 26 + 32 + 7).matches("^[a-z0-9_]+$");
        assertThat(ApiKeyTokens.parse(token).keyId()).isEqualTo(id);
        assertThat(ApiKeyTokens.displayPrefix(token)).isEqualTo(token.substring(0, 20)).startsWith("gk_live_" + id.substring(3, 15));
        assertThat(ApiKeyTokens.mint(id)).isNotEqualTo(token);
    }

    @Test
    void everySingleCharacterTypoIsCaughtWithoutAnyLookup() {
        String token = ApiKeyTokens.mint(Ids.newId("ak"));
        String alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        for (int i = 8; i < token.length(); i++) {
            for (char c : alphabet.toCharArray()) {
                if (c == token.charAt(i)) continue;
                String typo = token.substring(0, i) + c + token.substring(i + 1);
                assertThat(ApiKeyTokens.parse(typo)).as("typo at %d", i).isNull();
            }
        }
    }

    @Test
    void truncatedOrForeignTokensAreRejected() {
        String token = ApiKeyTokens.mint(Ids.newId("ak"));
        assertThat(ApiKeyTokens.parse(token.substring(0, token.length() - 1))).isNull();
        assertThat(ApiKeyTokens.parse(token + "a")).isNull();
        assertThat(ApiKeyTokens.parse(token.toUpperCase())).isNull();
        assertThat(ApiKeyTokens.parse("gk_test_" + token.substring(8))).isNull();
        assertThat(ApiKeyTokens.parse(null)).isNull();
    }

    @Test
    void theStoredHashDependsOnThePepper() {
        String token = ApiKeyTokens.mint(Ids.newId("ak"));
        String a = ApiKeyTokens.hash("pepper-a-pepper-a-pepper-a-pepper".getBytes(), token);
        String b = ApiKeyTokens.hash("pepper-b-pepper-b-pepper-b-pepper".getBytes(), token);
        assertThat(a).isNotEqualTo(b).doesNotContain(token.substring(34, 60));
    }
}

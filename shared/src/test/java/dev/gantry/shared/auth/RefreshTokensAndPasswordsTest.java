package dev.gantry.shared.auth;

import dev.gantry.shared.secrets.KeyRing;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RefreshTokensAndPasswordsTest {
    private final RefreshTokens tokens = new RefreshTokens(() -> KeyRing.parse("0123456789abcdef0123456789abcdef"));

    @Test
    void refreshTokensNameTheirSessionAndGeneration() {
        String t = tokens.mint("ses_01j9zzzzzzzzzzzzzzzzzzzzzz", 3);
        assertThat(t).startsWith("grt_");
        var parsed = tokens.parse(t);
        assertThat(parsed.sessionId()).isEqualTo("ses_01j9zzzzzzzzzzzzzzzzzzzzzz");
        assertThat(parsed.generation()).isEqualTo(3);
    }

    @Test
    void onlyGantryCanMintOne() {
        String t = tokens.mint("ses_01j9zzzzzzzzzzzzzzzzzzzzzz", 3);
        assertThat(tokens.parse(t.replace(".3.", ".4."))).isNull();
        assertThat(new RefreshTokens(() -> KeyRing.parse("another-key-another-key-another-k")).parse(t)).isNull();
        assertThat(tokens.parse("grt_garbage")).isNull();
        assertThat(tokens.parse(null)).isNull();
        assertThat(tokens.parse("grt_ses_01j9zzzzzzzzzzzzzzzzzzzzzz.-1.x")).isNull();
    }

    @Test
    void refreshTokensMintedBeforeARotationStillParse() {
        String t = tokens.mint("ses_01j9zzzzzzzzzzzzzzzzzzzzzz", 1);
        String rotated = KeyRing.rotatedValue("0123456789abcdef0123456789abcdef", "k1", "fedcba9876543210fedcba9876543210".getBytes());
        assertThat(new RefreshTokens(() -> KeyRing.parse(rotated)).parse(t)).isNotNull();
    }

    @Test
    void passwordsHashAndVerify() {
        PasswordHasher hasher = new PasswordHasher(4);
        String hash = hasher.hash("correct horse battery staple");
        assertThat(hash).startsWith("$2b$04$").doesNotContain("correct");
        assertThat(hasher.verify("correct horse battery staple", hash)).isTrue();
        assertThat(hasher.verify("correct horse battery stapl", hash)).isFalse();
        assertThat(hasher.verifyNothing("anything")).isFalse();
    }

    @Test
    void passwordsLongerThanBcryptsLimitAreNotTruncated() {
        PasswordHasher hasher = new PasswordHasher(4);
        String base = "x".repeat(80);
        String hash = hasher.hash(base + "A");
        assertThat(hasher.verify(base + "A", hash)).isTrue();
        assertThat(hasher.verify(base + "B", hash)).isFalse();
    }
}

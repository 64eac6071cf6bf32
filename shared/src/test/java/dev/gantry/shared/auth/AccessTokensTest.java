package dev.gantry.shared.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.secrets.KeyRing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessTokensTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private final AccessTokens tokens = new AccessTokens(() -> KeyRing.parse(java.util.Base64.getEncoder().encodeToString(KEY)), Duration.ofMinutes(15));
    private final Instant now = Instant.parse("2026-11-23T12:00:00Z");

    @Test
    void issuedTokensVerifyAndCarryTheirClaims() {
        var issued = tokens.issue("usr_1", "ws_1", "ses_1", now);
        var claims = tokens.verify(issued.token(), now.plusSeconds(60));
        assertThat(claims.userId()).isEqualTo("usr_1");
        assertThat(claims.workspaceId()).isEqualTo("ws_1");
        assertThat(claims.sessionId()).isEqualTo("ses_1");
        assertThat(issued.expiresAt()).isEqualTo(now.plus(Duration.ofMinutes(15)));
    }

    @Test
    void anIndependentJoseLibraryAcceptsOurTokens() throws Exception {
        var issued = tokens.issue("usr_1", "ws_1", "ses_1", now);
        SignedJWT jwt = SignedJWT.parse(issued.token());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.verify(new MACVerifier(KEY))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("usr_1");
    }

    @Test
    void expiredTokensAreTokenExpired() {
        var issued = tokens.issue("usr_1", "ws_1", "ses_1", now);
        assertThatThrownBy(() -> tokens.verify(issued.token(), now.plus(Duration.ofMinutes(15))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("token_expired"));
    }

    @Test
    void algNoneIsRejected() {
        var issued = tokens.issue("usr_1", "ws_1", "ses_1", now);
        String payload = issued.token().split("\\.")[1];
        String none = Hmac.base64Url("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k0\"}".getBytes(StandardCharsets.UTF_8));
        assertUnauthorized(none + "." + payload + ".");
        assertUnauthorized(none + "." + payload + "." + issued.token().split("\\.")[2]);
    }

    @Test
    void aSwappedAlgorithmIsRejectedEvenWithAValidMacUnderTheSameKey() throws Exception {
        // HS512 with our key is a "valid" token in a library that trusts the header; ours pins HS256.
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS512).keyID("k0").build(), new JWTClaimsSet.Builder()
                .issuer("gantry").subject("usr_1").claim("ws", "ws_1").claim("sid", "ses_1")
                .expirationTime(Date.from(now.plusSeconds(600))).build());
        jwt.sign(new MACSigner("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".getBytes()));
        assertUnauthorized(jwt.serialize());
    }

    @Test
    void aForgedSignatureOrEditedPayloadIsRejected() throws Exception {
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k0").build(), new JWTClaimsSet.Builder()
                .issuer("gantry").subject("usr_1").claim("ws", "ws_1").claim("sid", "ses_1")
                .expirationTime(Date.from(now.plusSeconds(600))).build());
        forged.sign(new MACSigner("another-key-another-key-another-key!".getBytes()));
        assertUnauthorized(forged.serialize());

        String[] parts = tokens.issue("usr_1", "ws_1", "ses_1", now).token().split("\\.");
        String edited = Hmac.base64Url(new String(Hmac.fromBase64Url(parts[1]), StandardCharsets.UTF_8)
                .replace("usr_1", "usr_2").getBytes(StandardCharsets.UTF_8));
        assertUnauthorized(parts[0] + "." + edited + "." + parts[2]);
    }

    @Test
    void tokensSignedBeforeARotationStillVerifyAndNewOnesUseTheNewKey() throws Exception {
        String before = java.util.Base64.getEncoder().encodeToString(KEY);
        String after = KeyRing.rotatedValue(before, "k1", "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8));
        var old = tokens.issue("usr_1", "ws_1", "ses_1", now);
        AccessTokens rotated = new AccessTokens(() -> KeyRing.parse(after), Duration.ofMinutes(15));
        assertThat(rotated.verify(old.token(), now).userId()).isEqualTo("usr_1");
        var fresh = rotated.issue("usr_2", "ws_1", "ses_2", now);
        assertThat(SignedJWT.parse(fresh.token()).getHeader().getKeyID()).isEqualTo("k1");
        assertThat(rotated.verify(fresh.token(), now).userId()).isEqualTo("usr_2");
        // a container still on the old ring does not know k1: refused, not guessed
        assertUnauthorized(fresh.token());
    }

    @Test
    void anUnknownOrMissingKidIsRejected() throws Exception {
        SignedJWT noKid = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                .issuer("gantry").subject("usr_1").claim("ws", "ws_1").claim("sid", "ses_1")
                .expirationTime(Date.from(now.plusSeconds(600))).build());
        noKid.sign(new MACSigner(KEY));
        assertUnauthorized(noKid.serialize());
    }

    @Test
    void garbageIsUnauthorizedNotAServerError() {
        for (String t : new String[]{"", ".", "..", "a.b.c", "eyJ.eyJ.x", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA"}) {
            assertUnauthorized(t);
        }
    }

    private void assertUnauthorized(String token) {
        assertThatThrownBy(() -> tokens.verify(token, now))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("unauthorized");
                });
    }
}

package dev.gantry.shared.auth;

import dev.gantry.shared.crypto.Hmac;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.secrets.KeyRing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state codec of OAuth flows: signed, carrying its key version, expiring, bound to a purpose. */
class OAuthStatesTest {
    private static final String K0 = Base64.getEncoder().encodeToString("state-test-key-0123456789abcdef!!".getBytes());
    private static final KeyRing RING = KeyRing.parse(K0).derive("state/v1");
    private static final KeyRing ROTATED = KeyRing.parse(KeyRing.rotatedValue(K0, "k1", Hmac.randomBytes(32))).derive("state/v1");
    private static final Instant NOW = Instant.parse("2026-01-26T10:00:00Z");
    private static final String P = OAuthStates.GITHUB_SIGN_IN;

    private final OAuthStates states = new OAuthStates(() -> RING);
    private final String id = OAuthStates.newStateId();
    private final String nonce = OAuthStates.newNonce();

    private String signed() {
        return states.sign(P, id, OAuthStates.hashNonce(nonce), NOW.plus(Duration.ofMinutes(10)));
    }

    private static void rejected(Runnable verify, String problem) {
        assertThatThrownBy(verify::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("validation_error");
            assertThat(e.details().toString()).contains("field=state").contains(problem);
        });
    }

    @Test
    void aStateRoundTripsAndCarriesNoNonce() {
        String state = signed();
        OAuthStates.Claims c = states.verify(P, state, NOW.plusSeconds(599));
        assertThat(c.stateId()).isEqualTo(id);
        assertThat(c.nonceHash()).isEqualTo(OAuthStates.hashNonce(nonce));
        assertThat(c.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
        assertThat(state).doesNotContain(nonce).matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$");
        String payload = new String(Hmac.fromBase64Url(state.substring(0, state.indexOf('.'))), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"kid\":\"k0\"").doesNotContain(nonce);
    }

    @Test
    void anExpiredStateIsRefused() {
        String state = signed();
        rejected(() -> states.verify(P, state, NOW.plus(Duration.ofMinutes(10))), "expired");
        rejected(() -> states.verify(P, state, NOW.plus(Duration.ofDays(1))), "expired");
    }

    @Test
    void anyChangeBreaksTheSignature() {
        String state = signed();
        int dot = state.indexOf('.');
        for (int i = 0; i < state.length(); i++) {
            if (i == dot || i == dot - 1 || i == state.length() - 1) continue; // last characters may hold only padding bits
            char c = state.charAt(i);
            String changed = state.substring(0, i) + (c == 'A' ? 'Q' : 'A') + state.substring(i + 1);
            rejected(() -> states.verify(P, changed, NOW), "not a valid");
        }
    }

    @Test
    void aForgedPayloadWithALaterExpiryIsRefused() {
        String state = signed();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("kid", "k0");
        payload.put("p", P);
        payload.put("sid", id);
        payload.put("nh", Hmac.base64Url(OAuthStates.hashNonce(nonce)));
        payload.put("exp", NOW.plus(Duration.ofDays(365)).getEpochSecond());
        String forged = Hmac.base64Url(Json.write(payload)) + state.substring(state.indexOf('.'));
        rejected(() -> states.verify(P, forged, NOW), "not a valid");
    }

    @Test
    void anotherPurposeOrAnotherKeyIsRefused() {
        String state = signed();
        rejected(() -> states.verify("github_app_install", state, NOW), "not a valid");
        KeyRing other = KeyRing.parse(Base64.getEncoder().encodeToString(Hmac.randomBytes(32))).derive("state/v1");
        rejected(() -> new OAuthStates(() -> other).verify(P, state, NOW), "not a valid");
    }

    @Test
    void aStateSignedBeforeARotationStillVerifiesAndNewOnesCarryTheNewKid() {
        String before = signed();
        OAuthStates after = new OAuthStates(() -> ROTATED);
        assertThat(after.verify(P, before, NOW).stateId()).isEqualTo(id);
        String fresh = after.sign(P, id, OAuthStates.hashNonce(nonce), NOW.plusSeconds(600));
        String payload = new String(Hmac.fromBase64Url(fresh.substring(0, fresh.indexOf('.'))), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"kid\":\"k1\"");
        // a ring that has lost k1 (or never had it) refuses it: the kid picks the key, never a guess
        rejected(() -> states.verify(P, fresh, NOW), "not a valid");
    }

    @Test
    void garbageIsRefusedNeverThrownAsSomethingElse() {
        for (String garbage : new String[]{null, "", ".", "a.b", "a.b.c", "eyJ9.x", "%%%.%%%", "x".repeat(5000),
                Hmac.base64Url("[1,2]".getBytes()) + ".AAAA", Hmac.base64Url("{\"kid\":1}".getBytes()) + ".AAAA",
                Hmac.base64Url("{\"kid\":\"k0\",\"kid\":\"k0\"}".getBytes()) + ".AAAA"}) {
            rejected(() -> states.verify(P, garbage, NOW), "not a valid");
        }
    }

    @Test
    void idsAndNoncesAreRandomAndUrlSafe() {
        assertThat(OAuthStates.newStateId()).matches("^[A-Za-z0-9_-]{22}$").isNotEqualTo(OAuthStates.newStateId());
        assertThat(OAuthStates.newNonce()).matches("^[A-Za-z0-9_-]{43}$").isNotEqualTo(OAuthStates.newNonce());
        assertThatThrownBy(() -> states.sign(P, "short", new byte[32], NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}

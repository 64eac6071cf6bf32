package dev.gantry.shared.crypto;

import dev.gantry.shared.crypto.DecryptionFailedException.Reason;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.secrets.KeyRing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCipherTest {
    private static final String MASTER = Base64.getEncoder().encodeToString("unit-test-master-key-0123456789abcdef".getBytes());
    private static final String WS = "ws_01j9zzzzzzzzzzzzzzzzzzzzzz";
    private static final String OTHER_WS = "ws_01j9yyyyyyyyyyyyyyyyyyyyyy";
    private static final Aad AAD = Aad.of(WS, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/DATABASE_URL", "value");
    private static final String SECRET = "postgres://user:hunter2-very-secret@db:5432/app";

    private final InMemoryDataKeys store = new InMemoryDataKeys();
    private final AtomicReference<String> masterValue = new AtomicReference<>(MASTER);
    private final EnvelopeCipher cipher = newCipher();

    private EnvelopeCipher newCipher() {
        return new EnvelopeCipher(store, () -> KeyRing.parse(masterValue.get()).derive("data-key-wrap/v1"), Clock.systemUTC());
    }

    // ------------------------------------------------------------ format

    @Test
    void roundTripAndFormat() {
        String ct = cipher.encrypt(SECRET, AAD);
        assertThat(ct).matches("^v1\\.dek_[0-9a-hjkmnp-tv-z]{26}\\.[A-Za-z0-9_-]+$");
        assertThat(ct).doesNotContain("hunter2");
        String[] parts = ct.split("\\.");
        assertThat(parts).hasSize(3);
        byte[] body = Base64.getUrlDecoder().decode(parts[2]);
        assertThat(body).hasSize(12 + SECRET.getBytes(StandardCharsets.UTF_8).length + 16);
        assertThat(cipher.decrypt(ct, AAD)).isEqualTo(SECRET);
        assertThat(EnvelopeCipher.isCiphertext(ct)).isTrue();
        assertThat(EnvelopeCipher.isCiphertext(SECRET)).isFalse();
        assertThat(EnvelopeCipher.dataKeyIdOf(ct)).isEqualTo(parts[1]);
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        Set<String> seen = new HashSet<>();
        Set<String> ivs = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String ct = cipher.encrypt(SECRET, AAD);
            seen.add(ct);
            ivs.add(ct.split("\\.")[2].substring(0, 16)); // the first 12 bytes
        }
        assertThat(seen).hasSize(200);
        assertThat(ivs).hasSize(200);
    }

    @Test
    void emptyUnicodeBinaryAndLargeValuesRoundTrip() {
        assertThat(cipher.decrypt(cipher.encrypt("", AAD), AAD)).isEmpty();
        String unicode = "pässwörd ✓ 秘密 🔑";
        assertThat(cipher.decrypt(cipher.encrypt(unicode, AAD), AAD)).isEqualTo(unicode);
        byte[] binary = Hmac.randomBytes(32 * 1024);
        assertThat(cipher.decryptBytes(cipher.encrypt(binary, AAD), AAD)).isEqualTo(binary);
    }

    @Test
    void oneDataKeyPerWorkspace() {
        String a1 = cipher.encrypt("a", AAD);
        String a2 = cipher.encrypt("b", Aad.of(WS, "secret", "sec_1", "value"));
        String b1 = cipher.encrypt("a", Aad.of(OTHER_WS, "env_var", "x", "value"));
        assertThat(EnvelopeCipher.dataKeyIdOf(a1)).isEqualTo(EnvelopeCipher.dataKeyIdOf(a2));
        assertThat(EnvelopeCipher.dataKeyIdOf(b1)).isNotEqualTo(EnvelopeCipher.dataKeyIdOf(a1));
        assertThat(store.keys).hasSize(2);
    }

    // ------------------------------------------------------------ tampering

    @Test
    void tamperedVersionPrefix() {
        String ct = cipher.encrypt(SECRET, AAD);
        String rest = ct.substring(2);
        for (String version : new String[] {"v2", "V1", "v0", ""}) {
            assertFails(version + rest, AAD, Reason.UNSUPPORTED_VERSION);
        }
        assertFails(ct.substring(3), AAD, Reason.MALFORMED); // no prefix at all: two parts
    }

    @Test
    void tamperedDataKeyId() {
        String ct = cipher.encrypt(SECRET, AAD);
        String[] p = ct.split("\\.");
        // a well-formed id the workspace does not have
        assertFails(p[0] + "." + Ids.newId("dek") + "." + p[2], AAD, Reason.UNKNOWN_DATA_KEY);
        // a malformed one (never reaches the store: ids go into key names)
        assertFails(p[0] + ".dek_../../x." + p[2], AAD, Reason.MALFORMED);
        assertFails(p[0] + "." + p[1].toUpperCase() + "." + p[2], AAD, Reason.MALFORMED);
        assertFails(p[0] + ".." + p[2], AAD, Reason.MALFORMED);
        // another real data key of the same workspace: the key differs, so the tag fails
        String other = cipher.rotateDataKey(WS);
        assertFails(p[0] + "." + other + "." + p[2], AAD, Reason.AUTHENTICATION_FAILED);
        assertThat(cipher.decrypt(ct, AAD)).isEqualTo(SECRET); // the original still decrypts
    }

    @Test
    void everyBitOfIvCiphertextAndTagIsAuthenticated() {
        String ct = cipher.encrypt(SECRET, AAD);
        String[] p = ct.split("\\.");
        byte[] body = Base64.getUrlDecoder().decode(p[2]);
        int ivEnd = 12;
        int tagStart = body.length - 16;
        for (int i = 0; i < body.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] t = body.clone();
                t[i] ^= (byte) (1 << bit);
                String tampered = p[0] + "." + p[1] + "." + Hmac.base64Url(t);
                String part = i < ivEnd ? "iv" : i >= tagStart ? "tag" : "ciphertext";
                assertThatThrownBy(() -> cipher.decrypt(tampered, AAD)).as(part + " byte " + i + " bit " + bit)
                        .isInstanceOf(DecryptionFailedException.class)
                        .extracting(e -> ((DecryptionFailedException) e).reason()).isEqualTo(Reason.AUTHENTICATION_FAILED);
            }
        }
    }

    @Test
    void truncatedExtendedOrNonCanonicalBodies() {
        String ct = cipher.encrypt(SECRET, AAD);
        String[] p = ct.split("\\.");
        byte[] body = Base64.getUrlDecoder().decode(p[2]);
        String head = p[0] + "." + p[1] + ".";
        // a byte less or more: the tag no longer matches
        assertFails(head + Hmac.base64Url(java.util.Arrays.copyOf(body, body.length - 1)), AAD, Reason.AUTHENTICATION_FAILED);
        assertFails(head + Hmac.base64Url(java.util.Arrays.copyOf(body, body.length + 1)), AAD, Reason.AUTHENTICATION_FAILED);
        // too short to hold an IV and a tag
        assertFails(head + Hmac.base64Url(new byte[27]), AAD, Reason.MALFORMED);
        assertFails(head, AAD, Reason.MALFORMED);
        // not base64url, padded, or with a changed unused trailing bit (same bytes, other text)
        assertFails(head + p[2].replace('-', '+').replace('_', '/') + "+", AAD, Reason.MALFORMED);
        assertFails(head + p[2] + "=", AAD, Reason.MALFORMED);
        assertFails(head + "!" + p[2].substring(1), AAD, Reason.MALFORMED);
        String nonCanonical = nonCanonical(p[2]);
        if (nonCanonical != null) {
            assertThat(Base64.getUrlDecoder().decode(nonCanonical)).isEqualTo(body);
            assertFails(head + nonCanonical, AAD, Reason.MALFORMED);
        }
        assertFails(ct + ".extra", AAD, Reason.MALFORMED);
        assertFails(null, AAD, Reason.MALFORMED);
        assertFails("", AAD, Reason.MALFORMED);
    }

    // ------------------------------------------------------------ associated data

    @Test
    void aCiphertextOnlyDecryptsInItsOwnContext() {
        String ct = cipher.encrypt(SECRET, AAD);
        assertFails(ct, Aad.of(WS, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/OTHER_KEY", "value"), Reason.AUTHENTICATION_FAILED); // other item
        assertFails(ct, Aad.of(WS, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/DATABASE_URL", "previous_value"), Reason.AUTHENTICATION_FAILED); // other field
        assertFails(ct, Aad.of(WS, "secret", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/DATABASE_URL", "value"), Reason.AUTHENTICATION_FAILED); // other type
        // another workspace does not even hold the data key
        assertFails(ct, Aad.of(OTHER_WS, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/DATABASE_URL", "value"), Reason.UNKNOWN_DATA_KEY);
        cipher.encrypt("warm the other workspace", Aad.of(OTHER_WS, "env_var", "x", "value"));
        assertFails(ct, Aad.of(OTHER_WS, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/DATABASE_URL", "value"), Reason.UNKNOWN_DATA_KEY);
        assertThat(cipher.decrypt(ct, AAD)).isEqualTo(SECRET);
    }

    @Test
    void contextFieldsCannotBeShiftedIntoEachOther() {
        Aad a = Aad.of(WS, "env_var", "ab", "c");
        Aad b = Aad.of(WS, "env_var", "a", "bc");
        assertThat(a.bytes("v1", "dek_x")).isNotEqualTo(b.bytes("v1", "dek_x"));
        assertFails(cipher.encrypt(SECRET, a), b, Reason.AUTHENTICATION_FAILED);
    }

    @Test
    void blankContextIsRefused() {
        assertThatThrownBy(() -> Aad.of(null, "t", "i", "f")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aad.of(WS, " ", "i", "f")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aad.of(WS, "t", "", "f")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aad.of(WS, "t", "i", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.encrypt((String) null, AAD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.encrypt(SECRET, null)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------ data keys and master keys

    @Test
    void aDataKeyItemCopiedToAnotherWorkspaceDoesNotUnwrap() {
        String ct = cipher.encrypt(SECRET, AAD);
        WrappedDataKey original = store.current.get(WS);
        // an attacker with write access to the table plants A's data key under B, and copies the value
        store.plant(new WrappedDataKey(OTHER_WS, original.id(), original.masterKeyVersion(), original.wrapped(), original.createdAt()));
        Aad copied = Aad.of(OTHER_WS, AAD.itemType(), AAD.itemId(), AAD.field());
        assertFails(ct, copied, Reason.DATA_KEY_UNWRAP_FAILED);
        assertFails(ct, copied, Reason.DATA_KEY_UNWRAP_FAILED); // nothing was cached by the failure
    }

    @Test
    void aTamperedWrappedKeyOrVersionFails() {
        String ct = cipher.encrypt(SECRET, AAD);
        WrappedDataKey k = store.current.get(WS);
        byte[] w = k.wrapped().clone();
        w[20] ^= 1;
        store.plant(k.withWrapping(k.masterKeyVersion(), w));
        assertFails(ct, AAD, newCipher(), Reason.DATA_KEY_UNWRAP_FAILED);
        store.plant(k.withWrapping("k7", k.wrapped()));
        assertFails(ct, AAD, newCipher(), Reason.UNKNOWN_MASTER_KEY_VERSION);
        store.plant(k.withWrapping(k.masterKeyVersion(), new byte[10]));
        assertFails(ct, AAD, newCipher(), Reason.DATA_KEY_UNWRAP_FAILED);
    }

    @Test
    void masterRotationKeepsOldValuesAndWrapsNewKeysUnderTheNewVersion() {
        String old = cipher.encrypt(SECRET, AAD);
        assertThat(store.current.get(WS).masterKeyVersion()).isEqualTo("k0");

        masterValue.set(KeyRing.rotatedValue(MASTER, "k1", Hmac.randomBytes(32)));
        EnvelopeCipher rotated = newCipher(); // a fresh container after the rotation
        assertThat(rotated.decrypt(old, AAD)).isEqualTo(SECRET);
        rotated.encrypt("new", Aad.of(OTHER_WS, "secret", "s", "value"));
        assertThat(store.current.get(OTHER_WS).masterKeyVersion()).isEqualTo("k1");
        assertThat(store.current.get(WS).masterKeyVersion()).isEqualTo("k0"); // untouched until rewrapped

        assertThat(rotated.rewrap(WS)).isEqualTo(1);
        assertThat(rotated.rewrap(WS)).isZero();
        assertThat(store.current.get(WS).masterKeyVersion()).isEqualTo("k1");

        // k0 can now leave the ring: everything still decrypts
        String k1Only = masterValue.get().replaceAll("\"k0\":\"[^\"]*\",?", "");
        masterValue.set(k1Only);
        assertThat(KeyRing.parse(k1Only).get("k0")).isNull();
        assertThat(newCipher().decrypt(old, AAD)).isEqualTo(SECRET);
    }

    @Test
    void aRingWithoutTheVersionCannotUnwrap() {
        masterValue.set(KeyRing.rotatedValue(MASTER, "k1", Hmac.randomBytes(32)));
        String ct = newCipher().encrypt(SECRET, AAD); // DEK under k1
        masterValue.set(MASTER); // a container still on the old secret value
        assertFails(ct, AAD, newCipher(), Reason.UNKNOWN_MASTER_KEY_VERSION);
    }

    @Test
    void dataKeyRotationKeepsOldValuesReadable() {
        String before = cipher.encrypt(SECRET, AAD);
        String first = EnvelopeCipher.dataKeyIdOf(before);
        String second = cipher.rotateDataKey(WS);
        String after = cipher.encrypt(SECRET, AAD);
        assertThat(EnvelopeCipher.dataKeyIdOf(after)).isEqualTo(second).isNotEqualTo(first);
        EnvelopeCipher fresh = newCipher();
        assertThat(fresh.decrypt(before, AAD)).isEqualTo(SECRET);
        assertThat(fresh.decrypt(after, AAD)).isEqualTo(SECRET);
        assertThat(EnvelopeCipher.dataKeyIdOf(fresh.encrypt("x", AAD))).isEqualTo(second);
    }

    // ------------------------------------------------------------ caching

    @Test
    void warmOperationsDoNotReadTheStore() {
        String ct = cipher.encrypt(SECRET, AAD);
        int reads = store.reads.get();
        for (int i = 0; i < 10; i++) {
            assertThat(cipher.decrypt(ct, AAD)).isEqualTo(SECRET);
            cipher.encrypt(SECRET, AAD);
        }
        assertThat(store.reads.get()).isEqualTo(reads);

        EnvelopeCipher other = newCipher(); // another container
        store.reads.set(0);
        other.decrypt(ct, AAD);
        other.decrypt(ct, AAD);
        assertThat(store.reads.get()).isEqualTo(1);
    }

    @Test
    void theCurrentKeyIsReReadAfterItsTtl() {
        MutableClock clock = new MutableClock();
        EnvelopeCipher a = new EnvelopeCipher(store, () -> KeyRing.parse(MASTER).derive("data-key-wrap/v1"), clock, 16, Duration.ofMinutes(5));
        EnvelopeCipher b = new EnvelopeCipher(store, () -> KeyRing.parse(MASTER).derive("data-key-wrap/v1"), clock, 16, Duration.ofMinutes(5));
        String first = EnvelopeCipher.dataKeyIdOf(a.encrypt("x", AAD));
        String second = b.rotateDataKey(WS);
        assertThat(EnvelopeCipher.dataKeyIdOf(a.encrypt("x", AAD))).isEqualTo(first); // still cached
        clock.advance(Duration.ofMinutes(6));
        assertThat(EnvelopeCipher.dataKeyIdOf(a.encrypt("x", AAD))).isEqualTo(second);
    }

    @Test
    void theKeyCacheIsBounded() {
        EnvelopeCipher small = new EnvelopeCipher(store, () -> KeyRing.parse(MASTER).derive("data-key-wrap/v1"), Clock.systemUTC(), 2, Duration.ofMinutes(5));
        String[] cts = new String[3];
        for (int i = 0; i < 3; i++) cts[i] = small.encrypt("v" + i, Aad.of("ws_" + i, "t", "i", "f"));
        store.reads.set(0);
        small.decrypt(cts[0], Aad.of("ws_0", "t", "i", "f")); // evicted: read again
        assertThat(store.reads.get()).isEqualTo(1);
    }

    // ------------------------------------------------------------ errors carry nothing secret

    @Test
    void failureMessagesHoldNoSecret() {
        String ct = cipher.encrypt(SECRET, AAD);
        String body = ct.split("\\.")[2];
        WrappedDataKey k = store.current.get(WS);
        String wrapped = Hmac.base64Url(k.wrapped());
        String master = MASTER;
        String[] attempts = {ct.substring(0, ct.length() - 2) + "AA", "v9" + ct.substring(2), ct};
        Aad[] contexts = {AAD, AAD, Aad.of(WS, "env_var", "other", "value")};
        for (int i = 0; i < attempts.length; i++) {
            String attempt = attempts[i];
            Aad context = contexts[i];
            assertThatThrownBy(() -> cipher.decrypt(attempt, context))
                    .isInstanceOf(DecryptionFailedException.class)
                    .satisfies(e -> {
                        assertThat(e.getMessage()).doesNotContain(SECRET, "hunter2", body, wrapped, master);
                        assertThat(e.getCause()).isNull();
                        assertThat(e.toString()).doesNotContain(body);
                    });
        }
        assertThat(k.toString()).doesNotContain(wrapped);
    }

    // ------------------------------------------------------------ helpers

    private void assertFails(String ciphertext, Aad aad, Reason reason) {
        assertFails(ciphertext, aad, cipher, reason);
    }

    private static void assertFails(String ciphertext, Aad aad, EnvelopeCipher c, Reason reason) {
        assertThatThrownBy(() -> c.decrypt(ciphertext, aad))
                .isInstanceOf(DecryptionFailedException.class)
                .extracting(e -> ((DecryptionFailedException) e).reason()).isEqualTo(reason);
    }

    /** The same bytes with a different last character (its lowest bit is always unused), or null when no bits are unused. */
    private static String nonCanonical(String b64) {
        int rem = b64.length() % 4;
        if (rem == 0) return null;
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(b64.charAt(b64.length() - 1));
        return b64.substring(0, b64.length() - 1) + alphabet.charAt(last ^ 1);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) { now = now.plus(d); }

        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }
}

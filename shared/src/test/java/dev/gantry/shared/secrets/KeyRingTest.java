package dev.gantry.shared.secrets;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyRingTest {
    private static final byte[] A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes();
    private static final byte[] B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".getBytes();

    @Test
    void aPlainSecretIsVersionK0() {
        KeyRing ring = KeyRing.parse(Base64.getEncoder().encodeToString(A));
        assertThat(ring.current().id()).isEqualTo("k0");
        assertThat(ring.current().key()).isEqualTo(A);
        assertThat(ring.all()).hasSize(1);
    }

    @Test
    void aRotatedSecretKeepsTheOldVersion() {
        String rotated = KeyRing.rotatedValue(Base64.getEncoder().encodeToString(A), "k1", B);
        KeyRing ring = KeyRing.parse(rotated);
        assertThat(ring.current().id()).isEqualTo("k1");
        assertThat(ring.get("k0")).isEqualTo(A);
        assertThat(ring.all()).extracting(KeyRing.Version::id).containsExactly("k1", "k0");
        assertThat(ring.get("k9")).isNull();
        assertThat(ring.get(null)).isNull();
    }

    @Test
    void derivedRingsKeepVersionsButNeverTheRawKey() {
        KeyRing ring = KeyRing.parse(KeyRing.rotatedValue(Base64.getEncoder().encodeToString(A), "k1", B));
        KeyRing a = ring.derive("purpose-a");
        KeyRing b = ring.derive("purpose-b");
        assertThat(a.current().id()).isEqualTo("k1");
        assertThat(a.get("k0")).isNotEqualTo(A).isNotEqualTo(b.get("k0"));
    }

    @Test
    void shortOrInconsistentSecretsAreRefused() {
        assertThatThrownBy(() -> KeyRing.parse("too short")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeyRing.parse("{\"current\":\"k2\",\"keys\":{\"k0\":\"" + Base64.getEncoder().encodeToString(A) + "\"}}"))
                .isInstanceOf(IllegalStateException.class);
    }
}

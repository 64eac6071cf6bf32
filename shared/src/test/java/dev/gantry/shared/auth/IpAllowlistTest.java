package dev.gantry.shared.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpAllowlistTest {
    @Test
    void ipv4Ranges() {
        IpAllowlist list = IpAllowlist.parse(List.of("203.0.113.0/24", "198.51.100.7"));
        assertThat(list.allows("203.0.113.200")).isTrue();
        assertThat(list.allows("198.51.100.7")).isTrue();
        assertThat(list.allows("198.51.100.8")).isFalse();
        assertThat(list.allows("203.0.114.1")).isFalse();
        assertThat(list.canonical()).containsExactly("203.0.113.0/24", "198.51.100.7/32");
    }

    @Test
    void ipv6RangesAndMappedIpv4() {
        IpAllowlist list = IpAllowlist.parse(List.of("2001:db8::/32", "203.0.113.0/24"));
        assertThat(list.allows("2001:db8:1234::1")).isTrue();
        assertThat(list.allows("2001:db9::1")).isFalse();
        assertThat(list.allows("::ffff:203.0.113.9")).isTrue();
        assertThat(list.allows("::1")).isFalse();
        assertThat(list.canonical()).containsExactly("2001:db8:0:0:0:0:0:0/32", "203.0.113.0/24");
    }

    @Test
    void oddPrefixesMaskTheNetwork() {
        IpAllowlist list = IpAllowlist.parse(List.of("10.1.2.3/20", "2001:db8:abcd:1234::/50"));
        assertThat(list.canonical().get(0)).isEqualTo("10.1.0.0/20");
        assertThat(list.allows("10.1.15.255")).isTrue();
        assertThat(list.allows("10.1.16.0")).isFalse();
        assertThat(list.allows("2001:db8:abcd:0fff::1")).isTrue();
        assertThat(list.allows("2001:db8:abcd:4000::1")).isFalse();
    }

    @Test
    void emptyAllowsEverythingButAMissingAddressIsNeverInAList() {
        assertThat(IpAllowlist.empty().allows("192.0.2.1")).isTrue();
        assertThat(IpAllowlist.parse(List.of("0.0.0.0/0")).allows(null)).isFalse();
        assertThat(IpAllowlist.parse(List.of("0.0.0.0/0")).allows("not an ip")).isFalse();
    }

    @Test
    void badEntriesAreRejectedWithoutDns() {
        for (String bad : List.of("example.com", "localhost", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/x", "256.1.1.1", "1.2.3", "", "::g", "10.0.0.0/-1")) {
            assertThatThrownBy(() -> IpAllowlist.parse(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

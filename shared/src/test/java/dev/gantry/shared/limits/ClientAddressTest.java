package dev.gantry.shared.limits;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressTest {
    @Test
    void ipv4IsKeptWholeAndMappedIpv6FoldsToIt() {
        assertThat(ClientAddress.bucketId("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.bucketId("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6IsLimitedPerSlash64() {
        assertThat(ClientAddress.bucketId("2001:db8:1:2:aaaa::1")).isEqualTo("2001:0db8:0001:0002::/64");
        assertThat(ClientAddress.bucketId("2001:db8:1:2:bbbb:cccc:dddd:eeee")).isEqualTo("2001:0db8:0001:0002::/64");
        assertThat(ClientAddress.bucketId("2001:db8:1:3::1")).isNotEqualTo(ClientAddress.bucketId("2001:db8:1:2::1"));
    }

    @Test
    void noUsableAddressSharesOneBucket() {
        assertThat(ClientAddress.bucketId(null)).isEqualTo("unknown");
        assertThat(ClientAddress.bucketId("not-an-address")).isEqualTo("unknown");
    }
}

package dev.gantry.shared.webhooks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSRF guard: every refused address class, IPv6 forms that hide IPv4 addresses, URL forms, and DNS that changes. */
class UrlGuardTest {
    /** A DNS whose answers the test changes; unknown names do not resolve. */
    static final class FakeDns implements UrlGuard.HostResolver {
        final Map<String, List<InetAddress>> answers = new HashMap<>();

        FakeDns answer(String host, String... addresses) {
            answers.put(host, java.util.Arrays.stream(addresses).map(FakeDns::literal).toList());
            return this;
        }

        /** Parses a literal without DNS; IPv6 forms stay IPv6 (InetAddress would turn ::ffff:a.b.c.d into IPv4). */
        static InetAddress literal(String a) {
            try {
                InetAddress parsed = InetAddress.getByName(a);
                if (a.contains(":") && parsed.getAddress().length == 4) {
                    byte[] v6 = new byte[16];
                    v6[10] = (byte) 0xff;
                    v6[11] = (byte) 0xff;
                    System.arraycopy(parsed.getAddress(), 0, v6, 12, 4);
                    return Inet6Address.getByAddress(null, v6, -1);
                }
                return parsed;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            List<InetAddress> a = answers.get(host);
            if (a == null) {
                if (host.matches("^[0-9.]+$") || host.contains(":")) return List.of(literal(host));
                throw new UnknownHostException(host);
            }
            return a;
        }
    }

    final FakeDns dns = new FakeDns().answer("hooks.example.com", "93.184.216.34");
    final UrlGuard guard = new UrlGuard(dns, false);

    @Test
    void aPublicHttpsUrlPassesWithItsCheckedAddresses() throws Exception {
        UrlGuard.Target t = guard.check("https://hooks.example.com/gantry?x=1");
        assertThat(t.tls()).isTrue();
        assertThat(t.port()).isEqualTo(443);
        assertThat(t.host()).isEqualTo("hooks.example.com");
        assertThat(t.hostHeader()).isEqualTo("hooks.example.com");
        assertThat(t.requestTarget()).isEqualTo("/gantry?x=1");
        assertThat(t.addresses()).extracting(InetAddress::getHostAddress).containsExactly("93.184.216.34");
        assertThat(guard.check("https://hooks.example.com:8443").hostHeader()).isEqualTo("hooks.example.com:8443");
        assertThat(guard.check("https://hooks.example.com:8443").requestTarget()).isEqualTo("/");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://hooks.example.com/x",           // not https
            "ftp://hooks.example.com/x",
            "https://user:pw@hooks.example.com/x",  // userinfo
            "https://hooks.example.com/x#frag",
            "/relative/path",
            "https:///nohost",
            "not a url",
            "https://hooks.example.com:0/",
            "https://localhost/x",
            "https://api.localhost/x",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://metadata.goog/",
            "https://metadata/",
            "https://anything.internal/",
            "https://printer.local/",
            "https://nowhere.example.net/",          // does not resolve
    })
    void malformedOrForbiddenUrlsAreRefused(String url) {
        assertThatThrownBy(() -> guard.check(url)).isInstanceOf(UrlGuard.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "127.0.0.1", "127.1.2.3",                            // loopback
            "10.0.0.1", "10.255.255.255",                        // private
            "172.16.0.1", "172.31.255.254",
            "192.168.1.1",
            "100.64.0.1", "100.127.255.254",                     // CGNAT
            "169.254.169.254",                                   // cloud metadata
            "169.254.10.10",                                     // link-local
            "0.0.0.0", "0.1.2.3",                                // unspecified / this network
            "224.0.0.1", "239.255.255.250",                      // multicast
            "255.255.255.255",                                   // broadcast
            "240.0.0.1",                                         // reserved
            "192.0.0.8", "192.0.2.1", "198.51.100.1", "203.0.113.9", "198.18.0.1",
            "::", "::1",                                         // unspecified, loopback
            "fc00::1", "fd12:3456::1",                           // unique local
            "fd00:ec2::254",                                     // AWS IPv6 metadata
            "fe80::1", "febf::1",                                // link-local
            "fec0::1",                                           // site-local
            "ff02::1", "ff05::2",                                // multicast
            "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
            "::10.0.0.1", "::8.8.8.8",                           // IPv4-compatible (deprecated)
            "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",       // NAT64 of private, loopback, metadata
            "64:ff9b:1::1",                                      // local-use NAT64
            "2002:a00:1::1", "2002:c0a8:101::1", "2002:7f00:1::1",           // 6to4 of private / loopback
            "2001:0:4136:e378::1",                               // Teredo
            "2001:db8::1",                                       // documentation
            "100::1",                                            // discard-only
    })
    void everyNonPublicAddressClassIsRefused(String address) {
        dns.answer("evil.example.com", address);
        assertThat(UrlGuard.refusal(FakeDns.literal(address))).as(address).isNotNull();
        assertThatThrownBy(() -> guard.check("https://evil.example.com/hook")).isInstanceOf(UrlGuard.Refused.class)
                .hasMessageContaining("evil.example.com resolves to");
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.253.0.1", "2606:4700::1111",
            "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(UrlGuard.refusal(FakeDns.literal(address))).as(address).isNull();
        dns.answer("ok.example.com", address);
        assertThat(guard.check("https://ok.example.com/").addresses()).hasSize(1);
    }

    @Test
    void ipLiteralsInTheUrlAreCheckedToo() {
        assertThatThrownBy(() -> guard.check("https://169.254.169.254/latest/meta-data/")).isInstanceOf(UrlGuard.Refused.class);
        assertThatThrownBy(() -> guard.check("https://[::1]/")).isInstanceOf(UrlGuard.Refused.class);
        assertThatThrownBy(() -> guard.check("https://[fd00:ec2::254]/")).isInstanceOf(UrlGuard.Refused.class);
        assertThatThrownBy(() -> guard.check("https://10.0.0.1/")).isInstanceOf(UrlGuard.Refused.class);
    }

    @Test
    void oneBadAddressAmongGoodOnesRefusesTheName() {
        dns.answer("mixed.example.com", "93.184.216.34", "10.0.0.5");
        assertThatThrownBy(() -> guard.check("https://mixed.example.com/")).isInstanceOf(UrlGuard.Refused.class)
                .hasMessageContaining("private");
    }

    @Test
    void aNameThatTurnsPrivateAfterCreationIsRefusedAtTheNextCheck() throws Exception {
        dns.answer("rebind.example.com", "93.184.216.34");
        assertThat(guard.check("https://rebind.example.com/").addresses()).hasSize(1);
        dns.answer("rebind.example.com", "169.254.169.254");
        assertThatThrownBy(() -> guard.check("https://rebind.example.com/")).isInstanceOf(UrlGuard.Refused.class)
                .hasMessageContaining("cloud metadata");
        dns.answer("rebind.example.com", "::ffff:192.168.0.1");
        assertThatThrownBy(() -> guard.check("https://rebind.example.com/")).isInstanceOf(UrlGuard.Refused.class);
    }

    @Test
    void loopbackHttpOnlyWhenAllowedAndOnlyForLoopback() throws Exception {
        assertThatThrownBy(() -> guard.check("http://127.0.0.1:8080/hook")).isInstanceOf(UrlGuard.Refused.class);
        UrlGuard dev = new UrlGuard(dns.answer("localhost", "127.0.0.1", "::1"), true);
        assertThat(dev.check("http://127.0.0.1:8080/hook").tls()).isFalse();
        assertThat(dev.check("http://localhost:8080/hook").addresses()).hasSize(2);
        assertThat(dev.check("http://[::1]:8080/hook").hostHeader()).isEqualTo("[::1]:8080");
        // loopback allowed does not open anything else
        assertThatThrownBy(() -> dev.check("http://hooks.example.com/x")).isInstanceOf(UrlGuard.Refused.class).hasMessageContaining("https");
        assertThatThrownBy(() -> dev.check("https://10.0.0.1/x")).isInstanceOf(UrlGuard.Refused.class);
        assertThatThrownBy(() -> dev.check("http://169.254.169.254/")).isInstanceOf(UrlGuard.Refused.class);
        dns.answer("sneaky.example.com", "127.0.0.1", "10.1.1.1");
        assertThatThrownBy(() -> dev.check("http://sneaky.example.com/")).isInstanceOf(UrlGuard.Refused.class);
    }
}

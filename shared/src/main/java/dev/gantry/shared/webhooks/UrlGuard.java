package dev.gantry.shared.webhooks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The SSRF guard of customer webhook URLs (API.md §11). A customer chooses the URL Gantry posts to,
 * so without this guard anyone could make Gantry's network position call the cloud metadata
 * service or private services. The guard runs when an endpoint is created or changed, and again
 * before every delivery, because DNS answers can change in between (rebinding). {@link #check}
 * answers the checked addresses, and the sender connects to exactly those: there is no second
 * lookup for an attacker's DNS to answer differently.
 *
 * <p>A name is refused if <em>any</em> of its addresses is refused: picking the "good" one would
 * let a mixed answer through on a later lookup that orders them differently.
 */
public final class UrlGuard {
    /** Resolves a host name to its addresses; tests inject their own DNS. */
    @FunctionalInterface
    public interface HostResolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
    }

    /** Why a URL is refused; the message is safe to show the customer (it names no internal detail beyond the rule). */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A URL that passed: where to connect ({@code addresses}, all checked) and what to present (host for Host/SNI). */
    public record Target(URI uri, boolean tls, String host, int port, List<InetAddress> addresses) {
        /** The request target: path and query, as sent on the request line. */
        public String requestTarget() {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        }

        /** The Host header: the name, with the port when it is not the scheme's default. */
        public String hostHeader() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return port == (tls ? 443 : 80) ? h : h + ":" + port;
        }
    }

    public static final int MAX_URL_LENGTH = 2048;

    /** Names that answer with cloud metadata, or are private by definition, whatever they resolve to. */
    private static final Set<String> METADATA_NAMES = Set.of("metadata.google.internal", "metadata.goog", "metadata",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.com");

    private final HostResolver resolver;
    private final boolean allowLoopback;

    public UrlGuard(HostResolver resolver, boolean allowLoopback) {
        this.resolver = resolver;
        this.allowLoopback = allowLoopback;
    }

    /** Checks the URL's form only (no DNS): what PATCH and POST validate before anything else. */
    public URI parse(String url) throws Refused {
        if (url == null || url.isEmpty() || url.length() > MAX_URL_LENGTH) throw new Refused("must be a URL of at most " + MAX_URL_LENGTH + " characters");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("must be a valid absolute URL");
        }
        if (!uri.isAbsolute() || uri.isOpaque()) throw new Refused("must be a valid absolute URL");
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) throw new Refused("must be an https URL");
        if (scheme.equals("http") && !allowLoopback) throw new Refused("must be an https URL");
        if (uri.getRawUserInfo() != null) throw new Refused("must not contain credentials (user:password@)");
        if (uri.getHost() == null || uri.getHost().isEmpty()) throw new Refused("must name a host");
        if (uri.getRawFragment() != null) throw new Refused("must not have a fragment (#...)");
        int port = uri.getPort();
        if (port == 0 || port > 65535) throw new Refused("must use a port from 1 to 65535");
        String host = hostOf(uri);
        if (isForbiddenName(host)) throw new Refused("must not point at a local, internal or cloud metadata host");
        return uri;
    }

    /** The full check: form, then every address the host resolves to now. */
    public Target check(String url) throws Refused {
        URI uri = parse(url);
        boolean tls = uri.getScheme().equalsIgnoreCase("https");
        String host = hostOf(uri);
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new Refused("host " + host + " does not resolve");
        }
        if (addresses == null || addresses.isEmpty()) throw new Refused("host " + host + " does not resolve");
        boolean allLoopback = true;
        for (InetAddress a : addresses) {
            boolean loopback = isLoopback(a);
            allLoopback &= loopback;
            if (loopback && allowLoopback) continue;
            String why = refusal(a);
            if (why != null) throw new Refused("host " + host + " resolves to " + why + " address, which Gantry does not call");
        }
        if (!tls && !allLoopback) throw new Refused("must be an https URL");
        return new Target(uri, tls, host, port, List.copyOf(addresses));
    }

    /** The host as used for DNS, Host and SNI: lower case, IPv6 literals without brackets. */
    static String hostOf(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        return host;
    }

    private boolean isForbiddenName(String host) {
        if (METADATA_NAMES.contains(host) || host.endsWith(".internal")) return true;
        if (!allowLoopback && (host.equals("localhost") || host.endsWith(".localhost"))) return true;
        return host.endsWith(".local") || host.endsWith(".home.arpa");
    }

    static boolean isLoopback(InetAddress a) {
        if (a instanceof Inet4Address) return (a.getAddress()[0] & 0xff) == 127;
        byte[] b = a.getAddress();
        for (int i = 0; i < 15; i++) if (b[i] != 0) return false;
        return b[15] == 1;
    }

    /** Null when the address may be called; otherwise the kind of address it is ("a private"). */
    public static String refusal(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? refusalV4(b) : refusalV6(b);
    }

    private static String refusalV4(byte[] b) {
        int a0 = b[0] & 0xff, a1 = b[1] & 0xff, a2 = b[2] & 0xff, a3 = b[3] & 0xff;
        if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) return "a cloud metadata";
        if (a0 == 0) return "an unspecified (0.0.0.0/8)";
        if (a0 == 127) return "a loopback";
        if (a0 == 10) return "a private";
        if (a0 == 172 && a1 >= 16 && a1 <= 31) return "a private";
        if (a0 == 192 && a1 == 168) return "a private";
        if (a0 == 100 && a1 >= 64 && a1 <= 127) return "a carrier-grade NAT (shared)";
        if (a0 == 169 && a1 == 254) return "a link-local";
        if (a0 == 192 && a1 == 0 && a2 == 0) return "an IETF protocol (192.0.0.0/24)";
        if (a0 == 192 && a1 == 0 && a2 == 2 || a0 == 198 && a1 == 51 && a2 == 100 || a0 == 203 && a1 == 0 && a2 == 113) return "a documentation";
        if (a0 == 198 && (a1 == 18 || a1 == 19)) return "a benchmarking";
        if (a0 >= 224 && a0 <= 239) return "a multicast";
        if (a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255) return "a broadcast";
        if (a0 >= 240) return "a reserved";
        return null;
    }

    private static String refusalV6(byte[] b) {
        if (allZero(b, 0, 16)) return "an unspecified";
        if (allZero(b, 0, 15) && b[15] == 1) return "a loopback";
        // fd00:ec2::254 (AWS's IPv6 metadata service) is inside fc00::/7, but say what it is
        if (u16(b, 0) == 0xfd00 && u16(b, 2) == 0x0ec2 && allZero(b, 4, 14) && u16(b, 14) == 0x0254) return "a cloud metadata";
        // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (SIIT): judged by the IPv4 address inside
        if (allZero(b, 0, 10) && u16(b, 10) == 0xffff) return embedded(b, 12, "an IPv4-mapped");
        if (allZero(b, 0, 8) && u16(b, 8) == 0xffff && u16(b, 10) == 0) return embedded(b, 12, "an IPv4-translated");
        // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291): nothing legitimate uses it
        if (allZero(b, 0, 12)) return "an IPv4-compatible";
        // 64:ff9b::/96 (NAT64 well-known prefix): the IPv4 address inside is what gets called
        if (u16(b, 0) == 0x0064 && u16(b, 2) == 0xff9b && allZero(b, 4, 12)) return embedded(b, 12, "a NAT64");
        if (u16(b, 0) == 0x0064 && u16(b, 2) == 0xff9b && u16(b, 4) == 0x0001) return "a local-use NAT64";
        // 2002::/16 (6to4): the IPv4 address is bits 16-47
        if (u16(b, 0) == 0x2002) return embedded(b, 2, "a 6to4");
        // 2001::/32 (Teredo): tunnels to an obfuscated IPv4 address; no webhook receiver needs it
        if (u16(b, 0) == 0x2001 && u16(b, 2) == 0x0000) return "a Teredo";
        if (u16(b, 0) == 0x2001 && u16(b, 2) == 0x0db8) return "a documentation";
        if (u16(b, 0) == 0x0100 && allZero(b, 2, 8)) return "a discard-only";
        int first = b[0] & 0xff;
        if ((first & 0xfe) == 0xfc) return "a private (unique local)";
        if (first == 0xfe && (b[1] & 0xc0) == 0x80) return "a link-local";
        if (first == 0xfe && (b[1] & 0xc0) == 0xc0) return "a site-local";
        if (first == 0xff) return "a multicast";
        return null;
    }

    private static String embedded(byte[] b, int from, String kind) {
        byte[] v4 = {b[from], b[from + 1], b[from + 2], b[from + 3]};
        String inner = refusalV4(v4);
        return inner == null ? null : kind + " form of " + inner;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }
}

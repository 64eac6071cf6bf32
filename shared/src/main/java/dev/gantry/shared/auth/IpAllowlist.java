package dev.gantry.shared.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * CIDR ranges for IPv4 and IPv6, parsed from literals only (never a DNS lookup). An IPv4 client
 * seen as an IPv4-mapped IPv6 address ({@code ::ffff:203.0.113.9}) matches IPv4 ranges. An empty
 * list allows every address.
 */
public final class IpAllowlist {
    private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    private static final Pattern IPV6_CHARS = Pattern.compile("^[0-9a-fA-F:.]{2,45}$");

    private final List<Range> ranges;

    private IpAllowlist(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** One range: network bytes and prefix length. {@link #toString()} is its canonical CIDR form. */
    public record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) return false;
            int full = prefix / 8, rest = prefix % 8;
            for (int i = 0; i < full; i++) if (address[i] != network[i]) return false;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            try {
                String host = InetAddress.getByAddress(network).getHostAddress();
                return host + "/" + prefix;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static IpAllowlist empty() { return new IpAllowlist(List.of()); }

    /** Parses CIDRs (or single addresses); throws IllegalArgumentException naming the bad entry. */
    public static IpAllowlist parse(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : entries) ranges.add(parseRange(entry));
        return new IpAllowlist(ranges);
    }

    public boolean isEmpty() { return ranges.isEmpty(); }

    public List<String> canonical() { return ranges.stream().map(Range::toString).toList(); }

    /** True when the list is empty or the address is in one of its ranges. A missing or odd address is not allowed. */
    public boolean allows(String sourceIp) {
        if (ranges.isEmpty()) return true;
        byte[] address = literal(sourceIp);
        if (address == null) return false;
        for (Range r : ranges) if (r.contains(address)) return true;
        return false;
    }

    static Range parseRange(String entry) {
        if (entry == null || entry.isBlank() || entry.length() > 64) throw new IllegalArgumentException("is not a CIDR range");
        String text = entry.trim();
        int slash = text.indexOf('/');
        byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
        if (address == null) throw new IllegalArgumentException("is not an IPv4 or IPv6 address or CIDR range");
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("^\\d{1,3}$")) throw new IllegalArgumentException("has a prefix length that is not a number");
            prefix = Integer.parseInt(p);
            if (prefix > max) throw new IllegalArgumentException("has a prefix length above " + max);
        }
        byte[] network = address.clone();
        for (int bit = prefix; bit < max; bit++) network[bit / 8] &= (byte) ~(1 << (7 - bit % 8));
        return new Range(network, prefix);
    }

    /** The bytes of an IP literal (IPv4-mapped IPv6 folded to IPv4), or null. No DNS. */
    public static byte[] literal(String text) {
        if (text == null) return null;
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        int zone = t.indexOf('%');
        if (zone >= 0) t = t.substring(0, zone);
        try {
            if (IPV4.matcher(t).matches()) return InetAddress.getByName(t).getAddress();
            if (t.indexOf(':') >= 0 && IPV6_CHARS.matcher(t).matches()) {
                // A string containing ':' is parsed as an IPv6 literal; no name lookup happens.
                byte[] b = InetAddress.getByName(t).getAddress();
                return b; // InetAddress already folds ::ffff:a.b.c.d to the IPv4 address
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }
}

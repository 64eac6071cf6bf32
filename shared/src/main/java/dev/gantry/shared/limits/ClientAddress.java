package dev.gantry.shared.limits;

import dev.gantry.shared.auth.IpAllowlist;

import java.util.HexFormat;

/**
 * The client address a per-address bucket is keyed by: API Gateway's {@code sourceIp}, never a
 * header. IPv4 addresses (and IPv4-mapped IPv6) are used whole; an IPv6 address is reduced to its
 * /64, because one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
public final class ClientAddress {
    private ClientAddress() {}

    public static String bucketId(String sourceIp) {
        byte[] b = IpAllowlist.literal(sourceIp);
        if (b == null) return "unknown"; // no usable address: all such requests share one bucket
        if (b.length == 4) return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        HexFormat hex = HexFormat.of();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i += 2) s.append(hex.toHexDigits(b[i])).append(hex.toHexDigits(b[i + 1])).append(':');
        return s.append(":/64").toString();
    }
}

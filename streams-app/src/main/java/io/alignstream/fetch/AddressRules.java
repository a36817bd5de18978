package io.alignstream.fetch;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The addresses an HTTP fetch may not reach unless {@link FetchAllowList} names them: everything
 * that is not a public unicast address. Works on the address bytes only (no lookup), so an IPv6
 * address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by that IPv4
 * address too: {@code ::ffff:169.254.169.254} is link-local.
 */
final class AddressRules {

    static final String LOOPBACK = "loopback";
    static final String LINK_LOCAL = "link-local";
    static final String PRIVATE = "private";
    static final String SHARED = "shared (carrier-grade NAT)";
    static final String MULTICAST = "multicast";
    static final String UNSPECIFIED = "unspecified";
    static final String RESERVED = "reserved";

    private AddressRules() {
    }

    /** The class of address that is refused, or empty for a public unicast address. */
    static Optional<String> refusedClass(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return ipv4(bytes);
        }
        Optional<String> own = ipv6(bytes);
        if (own.isPresent()) {
            return own;
        }
        byte[] embedded = embeddedIpv4(bytes);
        return embedded == null ? Optional.empty() : ipv4(embedded);
    }

    /**
     * The IPv4 address an IPv6 address stands for, or null: {@code ::ffff:a.b.c.d} (mapped),
     * {@code ::a.b.c.d} (compatible), {@code 64:ff9b::a.b.c.d} (NAT64) and {@code 2002:aabb:ccdd::/48}
     * (6to4), each of which a host or gateway may route to the IPv4 address.
     */
    static byte[] embeddedIpv4(byte[] v6) {
        if (v6.length != 16) {
            return null;
        }
        if (zero(v6, 0, 10) && (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff) {
            return slice(v6, 12);
        }
        if (zero(v6, 0, 12)) {
            return slice(v6, 12);
        }
        if (v6[0] == 0 && (v6[1] & 0xff) == 0x64 && (v6[2] & 0xff) == 0xff && (v6[3] & 0xff) == 0x9b && zero(v6, 4, 12)) {
            return slice(v6, 12);
        }
        if ((v6[0] & 0xff) == 0x20 && (v6[1] & 0xff) == 0x02) {
            return slice(v6, 2);
        }
        return null;
    }

    private static Optional<String> ipv4(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (first == 0) {
            // 0.0.0.0 is "any"; the rest of 0/8 is "this network", which Linux delivers locally.
            return Optional.of(UNSPECIFIED);
        }
        if (first == 127) {
            return Optional.of(LOOPBACK);
        }
        if (first == 169 && second == 254) {
            return Optional.of(LINK_LOCAL);
        }
        if (first == 10 || (first == 172 && second >= 16 && second <= 31) || (first == 192 && second == 168)) {
            return Optional.of(PRIVATE);
        }
        if (first == 100 && second >= 64 && second <= 127) {
            return Optional.of(SHARED);
        }
        if (first >= 224 && first <= 239) {
            return Optional.of(MULTICAST);
        }
        if (first >= 240) {
            // 240/4 and the broadcast address 255.255.255.255: never a server.
            return Optional.of(RESERVED);
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6(byte[] b) {
        if (zero(b, 0, 16)) {
            return Optional.of(UNSPECIFIED);
        }
        if (zero(b, 0, 15) && b[15] == 1) {
            return Optional.of(LOOPBACK);
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return Optional.of(LINK_LOCAL); // fe80::/10
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return Optional.of(PRIVATE); // fec0::/10, the deprecated site-local range
        }
        if ((first & 0xfe) == 0xfc) {
            return Optional.of(PRIVATE); // fc00::/7, unique local
        }
        if (first == 0xff) {
            return Optional.of(MULTICAST);
        }
        return Optional.empty();
    }

    private static boolean zero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] bytes, int from) {
        return new byte[] {bytes[from], bytes[from + 1], bytes[from + 2], bytes[from + 3]};
    }
}

package io.alignstream.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The non-public addresses and hosts an HTTP fetch may reach after all (see {@link AddressRules}).
 * Public addresses need no entry. Each entry is one of:
 *
 * <ul>
 *   <li>a CIDR range, {@code 10.20.0.0/16} or {@code fd00:1::/64}: any address in it, any port;</li>
 *   <li>an address with an optional port, {@code 10.20.1.5}, {@code 10.20.1.5:8443}, {@code fd00::5},
 *       {@code [fd00::5]:8443}: that address (on that port);</li>
 *   <li>a host name with an optional port, {@code images.internal} or {@code images.internal:8443}: a
 *       reference or redirect naming exactly that host (on that port), whatever it resolves to.</li>
 * </ul>
 *
 * <p>Parsing never looks a name up. Names are compared case-insensitively and without a trailing
 * dot; there are no wildcards.
 *
 * @param entries the parsed entries, in the order given
 */
public record FetchAllowList(List<Entry> entries) {

    /** Nothing allowed beyond public addresses: the default. */
    public static final FetchAllowList NONE = new FetchAllowList(List.of());

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

    /** One allowed range, address or host. */
    public sealed interface Entry permits Range, Host {
    }

    /**
     * Addresses whose first {@code prefix} bits are {@code network}'s.
     *
     * @param port the only port allowed, or empty for any
     */
    public record Range(InetAddress network, int prefix, OptionalInt port) implements Entry {
        boolean contains(InetAddress address) {
            return matches(address.getAddress())
                    || (address.getAddress().length == 16 && matchesEmbedded(address.getAddress()));
        }

        private boolean matchesEmbedded(byte[] v6) {
            byte[] v4 = AddressRules.embeddedIpv4(v6);
            return v4 != null && matches(v4);
        }

        private boolean matches(byte[] candidate) {
            byte[] net = network.getAddress();
            if (candidate.length != net.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((candidate[bit / 8] & mask) != (net[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            String address = network.getHostAddress();
            int full = network.getAddress().length * 8;
            if (prefix != full) {
                return address + "/" + prefix;
            }
            if (port.isEmpty()) {
                return address;
            }
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port.getAsInt();
        }
    }

    /**
     * A host name, lower case and without a trailing dot.
     *
     * @param port the only port allowed, or empty for any
     */
    public record Host(String name, OptionalInt port) implements Entry {
        @Override
        public String toString() {
            return port.isEmpty() ? name : name + ":" + port.getAsInt();
        }
    }

    public FetchAllowList {
        entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
    }

    /**
     * The entries as written in configuration; blank entries are skipped.
     *
     * @throws IllegalArgumentException naming the first entry that is none of the forms above
     */
    public static FetchAllowList parse(List<String> written) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : written) {
            String entry = raw == null ? "" : raw.trim();
            if (!entry.isEmpty()) {
                entries.add(parseEntry(entry));
            }
        }
        return new FetchAllowList(entries);
    }

    /** Whether a hop to {@code host} (as written in the URI) on {@code port}, resolved to {@code address}, is allowed. */
    boolean allows(String host, int port, InetAddress address) {
        String name = normalise(host);
        for (Entry entry : entries) {
            if (entry instanceof Range range && portMatches(range.port(), port) && range.contains(address)) {
                return true;
            }
            if (entry instanceof Host named && portMatches(named.port(), port) && named.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the operator declared this exact server, so that its faults are the operator's, not the
     * producer's: an entry names the host, or gives exactly one of its addresses, with this port, or
     * without a port when the hop uses its scheme's default port. A range, or a named host on a port
     * the entry did not give, only allows: a producer could point at a dead port there and make every
     * replay of its record fail the task.
     */
    boolean declares(String host, int port, int defaultPort, List<InetAddress> addresses) {
        String name = normalise(host);
        for (Entry entry : entries) {
            OptionalInt entryPort = entry instanceof Host named ? named.port() : ((Range) entry).port();
            boolean portDeclared = entryPort.isPresent() ? entryPort.getAsInt() == port : port == defaultPort;
            if (!portDeclared) {
                continue;
            }
            if (entry instanceof Host named && named.name().equals(name)) {
                return true;
            }
            if (entry instanceof Range range && range.prefix() == range.network().getAddress().length * 8
                    && addresses.stream().anyMatch(range::contains)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a host entry names {@code host} (on {@code port}): for a hop whose addresses are not known yet. */
    boolean names(String host, int port) {
        String name = normalise(host);
        return entries.stream().anyMatch(entry -> entry instanceof Host named && portMatches(named.port(), port)
                && named.name().equals(name));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public String toString() {
        return entries.stream().map(Entry::toString).collect(Collectors.joining(","));
    }

    private static boolean portMatches(OptionalInt allowed, int port) {
        return allowed.isEmpty() || allowed.getAsInt() == port;
    }

    private static String normalise(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static Entry parseEntry(String entry) {
        int slash = entry.indexOf('/');
        if (slash >= 0) {
            InetAddress network = literal(entry.substring(0, slash), entry);
            int full = network.getAddress().length * 8;
            int prefix = prefix(entry.substring(slash + 1), full, entry);
            if (!zeroBeyond(network.getAddress(), prefix)) {
                // Strict, so that a typo in a range does not silently allow more or less than meant.
                throw invalid(entry, "the address has bits set beyond the /" + prefix + " prefix");
            }
            return new Range(network, prefix, OptionalInt.empty());
        }
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw invalid(entry, "no closing ]");
            }
            InetAddress address = literal(entry.substring(1, close), entry);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw invalid(entry, "expected :port after ]");
            }
            return new Range(address, address.getAddress().length * 8,
                    rest.isEmpty() ? OptionalInt.empty() : port(rest.substring(1), entry));
        }
        if (entry.indexOf(':') != entry.lastIndexOf(':')) {
            // Two or more colons: an IPv6 address without a port (a port needs [brackets]).
            InetAddress address = literal(entry, entry);
            return new Range(address, address.getAddress().length * 8, OptionalInt.empty());
        }
        int colon = entry.indexOf(':');
        String host = colon < 0 ? entry : entry.substring(0, colon);
        OptionalInt port = colon < 0 ? OptionalInt.empty() : port(entry.substring(colon + 1), entry);
        if (IPV4.matcher(host).matches()) {
            InetAddress address = literal(host, entry);
            return new Range(address, 32, port);
        }
        return new Host(hostName(host, entry), port);
    }

    private static String hostName(String host, String entry) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.length() > 253) {
            throw invalid(entry, "not a host name");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw invalid(entry, "not a host name, an address or a CIDR range (no wildcards)");
            }
        }
        if (name.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            throw invalid(entry, "not a dotted-quad IPv4 address");
        }
        return name;
    }

    /** An IP literal, parsed without any lookup. */
    private static InetAddress literal(String text, String entry) {
        boolean v4 = IPV4.matcher(text).matches();
        if (v4) {
            for (String octet : text.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw invalid(entry, "an IPv4 octet is over 255");
                }
            }
        } else if (!text.contains(":") || !IPV6_CHARACTERS.matcher(text).matches()) {
            throw invalid(entry, "'" + text + "' is not an IPv4 or IPv6 address");
        }
        try {
            // Only digits, dots, hex and colons reach here: the JDK parses a literal and never asks DNS.
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw invalid(entry, "'" + text + "' is not an IPv4 or IPv6 address");
        }
    }

    private static int prefix(String text, int full, String entry) {
        if (!text.matches("[0-9]{1,3}") || Integer.parseInt(text) > full) {
            throw invalid(entry, "the prefix length must be 0 to " + full);
        }
        return Integer.parseInt(text);
    }

    private static OptionalInt port(String text, String entry) {
        if (!PORT.matcher(text).matches() || Integer.parseInt(text) > 65535) {
            throw invalid(entry, "the port must be 1 to 65535");
        }
        return OptionalInt.of(Integer.parseInt(text));
    }

    private static boolean zeroBeyond(byte[] bytes, int prefix) {
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        return new IllegalArgumentException("allow-list entry '" + entry + "': " + why
                + " (expected a CIDR range, an address with an optional port, or a host name with an optional port)");
    }
}

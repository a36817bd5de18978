package io.alignstream.fetch;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A {@link Network} for tests: names answer what the test says (one answer per lookup, the last
 * one repeating), literals are parsed without DNS, and every connection attempt is recorded. Only
 * loopback is ever connected to: any other address is recorded and refused here, so a test whose
 * fetcher fails to refuse a private address still sends nothing past this machine.
 */
final class TestNetwork implements Network {

    private static final Pattern LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private final Map<String, List<List<InetAddress>>> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
    private final List<InetSocketAddress> connections = new CopyOnWriteArrayList<>();
    private final Network system = Network.system();

    /** {@code name} answers these addresses, in turn for successive lookups. */
    TestNetwork answer(String name, List<InetAddress> first, List<InetAddress>... later) {
        List<List<InetAddress>> all = new ArrayList<>();
        all.add(first);
        all.addAll(List.of(later));
        answers.put(name, all);
        return this;
    }

    TestNetwork answer(String name, InetAddress address) {
        return answer(name, List.of(address));
    }

    int lookups(String name) {
        AtomicInteger count = lookups.get(name);
        return count == null ? 0 : count.get();
    }

    /** Every address a connection was attempted to, in order. */
    List<InetSocketAddress> connections() {
        return List.copyOf(connections);
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        int lookup = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
        List<List<InetAddress>> answer = answers.get(host);
        if (answer != null) {
            return answer.get(Math.min(lookup, answer.size() - 1));
        }
        if (LITERAL.matcher(host).matches()) {
            return List.of(InetAddress.getByName(host)); // a literal: parsed, never looked up
        }
        throw new UnknownHostException(host + ": not known to this test");
    }

    @Override
    public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        connections.add(address);
        if (!address.getAddress().isLoopbackAddress()) {
            throw new ConnectException("the test network connects to loopback only, not " + address);
        }
        return system.connect(address, timeoutMillis);
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** The IPv4-mapped IPv6 form of an IPv4 address, kept as an Inet6Address (getByName would unwrap it). */
    static InetAddress mapped(String ipv4) {
        byte[] v4 = address(ipv4).getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        try {
            return java.net.Inet6Address.getByAddress(null, v6, -1);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ipv4, e);
        }
    }
}

package io.alignstream.fetch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.List;

/**
 * How the HTTP source looks names up and opens connections: the system's, or a test's. Kept apart
 * so that tests can answer any address for a name and see every connection attempted, without
 * sending traffic anywhere but loopback.
 */
interface Network {

    /** Every address of {@code host} (a name or a literal, without brackets). */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** A socket connected to exactly {@code address}, within {@code timeoutMillis} (positive). */
    Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException;

    /** The system resolver, and direct connections: no JVM-wide proxy (socksProxyHost) applies. */
    static Network system() {
        return new Network() {
            @Override
            public List<InetAddress> resolve(String host) throws UnknownHostException {
                return List.of(InetAddress.getAllByName(host));
            }

            @Override
            public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
                Socket socket = new Socket(Proxy.NO_PROXY);
                try {
                    socket.connect(address, timeoutMillis);
                    return socket;
                } catch (IOException | RuntimeException e) {
                    socket.close();
                    throw e;
                }
            }
        };
    }
}

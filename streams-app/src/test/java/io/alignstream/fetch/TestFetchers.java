package io.alignstream.fetch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Image fetchers for tests outside this package (the embedding stage's retry tests), which cannot
 * reach the package-private {@link Network}.
 */
public final class TestFetchers {

    /**
     * A public address (TEST-NET-3, RFC 5737: documentation only, never routed) that every name
     * resolves to in {@link #producerHostsOn}: public, so the allow-list plays no part.
     */
    public static final InetAddress PUBLIC_ADDRESS = TestNetwork.address("203.0.113.10");

    private TestFetchers() {
    }

    /**
     * A fetcher for which every host is a producer's public host: names resolve to
     * {@link #PUBLIC_ADDRESS}, and every connection goes to {@code loopbackPort} on this machine instead.
     */
    public static ImageFetcher producerHostsOn(FetchLimits limits, int loopbackPort) {
        Network loopback = Network.system();
        return new ImageFetcher(limits, Optional.empty(), new Network() {
            @Override
            public List<InetAddress> resolve(String host) {
                return List.of(PUBLIC_ADDRESS);
            }

            @Override
            public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
                return loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), loopbackPort), timeoutMillis);
            }
        });
    }

    /** A fetcher whose every name lookup fails as the system resolver does when DNS is down or has no answer. */
    public static ImageFetcher noNameResolves(FetchLimits limits) {
        return new ImageFetcher(limits, Optional.empty(), new Network() {
            @Override
            public List<InetAddress> resolve(String host) throws UnknownHostException {
                throw new UnknownHostException(host + ": Temporary failure in name resolution");
            }

            @Override
            public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
                throw new IOException("nothing resolves, so nothing is connected to");
            }
        });
    }
}

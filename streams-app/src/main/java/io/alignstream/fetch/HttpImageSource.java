package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.MALFORMED_REFERENCE;
import static io.alignstream.fetch.ImageFetchException.Reason.NOT_ALLOWED;
import static io.alignstream.fetch.ImageFetchException.Reason.UNREACHABLE;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import io.alignstream.faults.ImageMemoryBudget;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches {@code http:} and {@code https:} references with a small HTTP/1.1 client, under one
 * deadline for the whole fetch, following redirects itself so that every hop is checked.
 *
 * <p>Each hop's host is resolved once; the hop is refused when any of its addresses is not public
 * ({@link AddressRules}) and the allow-list does not name it, and the connection goes to an address
 * that was checked. The JDK's HttpClient resolves by itself when it connects, so a name that
 * answers a public address to the check and a private one to the connection (DNS rebinding) would
 * get through it; hence a client of our own over a socket to the checked address. For https the
 * certificate is still verified for the host name (SNI and endpoint identification "HTTPS").
 */
final class HttpImageSource implements AutoCloseable {

    private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
    private static final AtomicInteger SOURCES = new AtomicInteger();
    private static final Pattern MEDIA_TYPE = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

    private final FetchLimits limits;
    private final Network network;
    private final Optional<SSLContext> sslContext;
    private final ExecutorService resolvers;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    HttpImageSource(FetchLimits limits, Optional<SSLContext> sslContext, Network network) {
        this.limits = limits;
        this.network = network;
        this.sslContext = sslContext;
        String prefix = "alignstream-image-fetch-" + SOURCES.incrementAndGet() + "-";
        AtomicInteger threads = new AtomicInteger();
        // Name lookups block without a deadline of their own: they run here so the fetch can give up on time.
        this.resolvers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, prefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The bytes, the response's media type (or ""), and the image memory the bytes hold. */
    record Result(byte[] bytes, String contentType, ImageMemoryBudget.Reservation memory) {}

    /** Statuses that say "not now" rather than "not this": worth another try (RFC 9110 15.5.9, 15.6; RFC 6585 4). */
    private static boolean transientStatus(int status) {
        return status / 100 == 5 || status == 408 || status == 429;
    }

    /** One hop's target: the host as the URI names it (brackets stripped), its port, and TLS or not. */
    private record Hop(URI uri, String host, int port, boolean https) {
        static Hop of(URI uri) {
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            boolean https = "https".equalsIgnoreCase(uri.getScheme());
            return new Hop(uri, host, uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80, https);
        }

        String address() {
            return uri.getHost() + ":" + port;
        }
    }

    /**
     * @param memory      reserves the body's memory before it is read
     * @param deadlineCap the fetch ends by then at the latest ({@link System#nanoTime()}), even when its
     *                    own time-out would run longer: a retry gets what is left of the retry budget
     */
    Result fetch(URI first, HttpResponseReader.BodyMemory memory, long deadlineCap) throws ImageFetchException {
        if (first.getHost() == null) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "HTTP reference has no host: " + first);
        }
        long start = System.nanoTime();
        long deadline = Math.min(start + limits.timeout().toNanos(), deadlineCap);
        URI uri = first;
        String hopName = "image reference " + first;
        boolean wasHttps = false;
        for (int redirects = 0; ; redirects++) {
            Hop hop = Hop.of(uri);
            wasHttps |= hop.https();
            String target = requestTarget(uri);
            if (hop.port() < 1 || hop.port() > 65535) {
                throw new ImageFetchException(MALFORMED_REFERENCE, "not a usable HTTP URI: " + uri + " (port out of range)");
            }
            List<InetAddress> addresses = List.of();
            Response response;
            try {
                addresses = resolve(hop, start, deadline);
                refuseUnlessAllowed(hop, addresses, hopName);
                response = exchange(hop, target, addresses, start, deadline, memory);
            } catch (ImageFetchException e) {
                throw e.transientFault().isEmpty() ? e : transientFrom(hop, redirects == 0, addresses, e, null);
            }
            int status = response.head().status();
            if (status / 100 == 2) {
                return new Result(response.body().bytes(), mediaType(response.head().first("content-type")),
                        response.body().memory());
            }
            if (transientStatus(status)) {
                throw transientFrom(hop, redirects == 0, addresses, new ImageFetchException(UNREACHABLE, "HTTP " + status + " from " + uri),
                        retryAfter(response.head().first("retry-after")).orElse(null));
            }
            if (!REDIRECT_STATUSES.contains(status)) {
                throw new ImageFetchException(UNREACHABLE, "HTTP " + status + " from " + uri);
            }
            if (redirects >= limits.maxRedirects()) {
                throw new ImageFetchException(UNREACHABLE, "too many redirects: HTTP " + status + " from " + uri
                        + " would be redirect " + (redirects + 1) + ", over the limit of " + limits.maxRedirects());
            }
            URI next = nextHop(uri, status, response.head().first("location"), wasHttps);
            hopName = uri + " redirects to " + next + ", which";
            uri = next;
        }
    }

    /**
     * {@code e} as a transient fault of {@code hop}, saying whether the operator declared the server: the
     * reference's own host (a redirect target is the producer's server's choice), named by a host entry
     * or given as one address with its port ({@link FetchAllowList#declares}; docs/image-fetching.md).
     */
    private ImageFetchException transientFrom(Hop hop, boolean firstHop, List<InetAddress> addresses,
                                              ImageFetchException e, Duration retryAfter) {
        boolean declared = firstHop && limits.allow().declares(hop.host(), hop.port(), hop.https() ? 443 : 80, addresses);
        return new ImageFetchException(e.reason(), e.getMessage(), e.getCause(),
                new ImageFetchException.Transient(declared, retryAfter));
    }

    /** Longest Retry-After taken from a server: longer than any retry budget, small enough for any arithmetic. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    /** Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), at most an hour; empty when absent or unreadable. */
    static Optional<Duration> retryAfter(Optional<String> header) {
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().trim();
        if (value.matches("[0-9]{1,9}")) {
            Duration seconds = Duration.ofSeconds(Long.parseLong(value));
            return Optional.of(seconds.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : seconds);
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration until = Duration.between(Instant.now(), at.toInstant());
            // A producer's server chooses the date: clamp it, so no arithmetic on it can overflow.
            return Optional.of(until.isNegative() ? Duration.ZERO : until.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : until);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private URI nextHop(URI from, int status, Optional<String> location, boolean wasHttps) throws ImageFetchException {
        if (location.isEmpty()) {
            throw new ImageFetchException(UNREACHABLE, "HTTP " + status + " from " + from + " without a Location header");
        }
        URI to;
        try {
            to = from.resolve(new URI(location.get()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ImageFetchException(UNREACHABLE,
                    "HTTP " + status + " from " + from + " redirects to an unparsable Location", e);
        }
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            // Never let a remote server point us at local files or other protocols.
            throw new ImageFetchException(NOT_ALLOWED,
                    from + " redirects to " + to + ": only http and https redirects are followed");
        }
        if (!limits.allowedSchemes().contains(scheme)) {
            throw new ImageFetchException(NOT_ALLOWED, from + " redirects to " + to + ": scheme '" + scheme
                    + "' is not allowed (allowed: " + String.join(", ", limits.allowedSchemes().stream().sorted().toList()) + ")");
        }
        if (wasHttps && scheme.equals("http")) {
            throw new ImageFetchException(NOT_ALLOWED,
                    from + " redirects to " + to + ": an https to http downgrade is not followed");
        }
        if (to.getHost() == null) {
            throw new ImageFetchException(UNREACHABLE, from + " redirects to " + to + ", which has no host");
        }
        return to;
    }

    /** Path and query as sent on the request line: ASCII, percent-encoded, nothing that could end the line. */
    private static String requestTarget(URI uri) throws ImageFetchException {
        URI ascii = URI.create(uri.toASCIIString());
        String path = ascii.getRawPath() == null || ascii.getRawPath().isEmpty() ? "/" : ascii.getRawPath();
        String target = ascii.getRawQuery() == null ? path : path + "?" + ascii.getRawQuery();
        if (!target.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "not a usable HTTP URI: " + uri);
        }
        return target;
    }

    /** The hop's addresses, looked up once: these are what is checked and what is connected to. */
    private List<InetAddress> resolve(Hop hop, long start, long deadline) throws ImageFetchException {
        Future<List<InetAddress>> lookup;
        try {
            lookup = resolvers.submit(() -> network.resolve(hop.host()));
        } catch (RejectedExecutionException e) {
            throw cancelled(hop.uri(), e);
        }
        try {
            List<InetAddress> addresses = lookup.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (addresses == null || addresses.isEmpty()) {
                throw new ImageFetchException(UNREACHABLE, "could not resolve host " + hop.host());
            }
            return List.copyOf(addresses);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw timedOut("resolving host " + hop.host(), start);
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new ImageFetchException(UNREACHABLE, "interrupted while fetching " + hop.uri(), e);
        } catch (CancellationException e) {
            throw cancelled(hop.uri(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException) {
                // A name the operator declared that does not resolve is their DNS failing, worth another
                // try (and past the budget the task's fault); a producer's name that does not resolve is
                // the reference's own fault, as it ever was.
                throw new ImageFetchException(UNREACHABLE, "could not resolve host " + hop.host(), e.getCause(),
                        limits.allow().names(hop.host(), hop.port()) ? HttpResponseReader.TRANSPORT : null);
            }
            throw new ImageFetchException(UNREACHABLE, "could not resolve host " + hop.host() + ": "
                    + e.getCause().getClass().getSimpleName(), e.getCause());
        }
    }

    /** Refuses the hop when any of its addresses is not public and not allowed, before any connection. */
    private void refuseUnlessAllowed(Hop hop, List<InetAddress> addresses, String hopName) throws ImageFetchException {
        for (InetAddress address : addresses) {
            Optional<String> refused = AddressRules.refusedClass(address);
            if (refused.isPresent() && !limits.allow().allows(hop.host(), hop.port(), address)) {
                // A fixed sentence: the class, never the address (what a name resolves to inside our network is ours).
                throw new ImageFetchException(NOT_ALLOWED, hopName + " is refused: host " + hop.host()
                        + " resolves to a " + refused.get() + " address, and image fetches reach only public"
                        + " addresses and those on the fetch allow-list");
            }
        }
    }

    private record Response(HttpResponseReader.Head head, HttpResponseReader.Body body) {}

    private Response exchange(Hop hop, String target, List<InetAddress> addresses, long start, long deadline,
                              HttpResponseReader.BodyMemory memory) throws ImageFetchException {
        Socket socket = connect(hop, addresses, start, deadline);
        open.add(socket);
        String phase = "waiting for a response from " + hop.uri();
        try {
            if (closed) {
                throw cancelled(hop.uri(), null);
            }
            Socket channel = hop.https() ? handshake(socket, hop, start, deadline) : socket;
            OutputStream out = channel.getOutputStream();
            out.write(request(hop, target));
            out.flush();
            DeadlineInput input = new DeadlineInput(channel, deadline);
            // Time spent waiting for image memory (other fetches hold it) is the service's, not the
            // server's: the body's deadline moves on by that much, so a wait never turns into a time-out
            // that would be charged to the image's host.
            HttpResponseReader.BodyMemory waitingNotCounted = bytes -> {
                long waitStart = System.nanoTime();
                try {
                    return memory.reserve(bytes);
                } finally {
                    input.extend(System.nanoTime() - waitStart);
                }
            };
            HttpResponseReader reader = new HttpResponseReader(
                    new BufferedInputStream(input, 16 * 1024), hop.uri(), limits.maxBytes(), waitingNotCounted);
            HttpResponseReader.Head head = reader.readHead();
            if (head.status() / 100 != 2) {
                // Neither an error page nor a redirect's body is wanted: not a byte of either is read.
                return new Response(head, null);
            }
            phase = "reading the response body from " + hop.uri();
            return new Response(head, reader.readBody(head));
        } catch (SocketTimeoutException e) {
            throw timedOut(phase, start);
        } catch (SSLException e) {
            throw new ImageFetchException(UNREACHABLE, "TLS failure with " + hop.address() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (closed) {
                throw cancelled(hop.uri(), e);
            }
            // A reset or broken connection: the transport's fault, worth another try.
            throw new ImageFetchException(UNREACHABLE, "could not fetch " + hop.uri() + ": " + e, e,
                    HttpResponseReader.TRANSPORT);
        } finally {
            open.remove(socket);
            closeQuietly(socket);
        }
    }

    /** A socket to one of the checked addresses, in the resolver's order. */
    private Socket connect(Hop hop, List<InetAddress> addresses, long start, long deadline) throws ImageFetchException {
        IOException last = null;
        for (InetAddress address : addresses) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                return network.connect(new InetSocketAddress(address, hop.port()), millis(remaining));
            } catch (SocketTimeoutException e) {
                throw new ImageFetchException(UNREACHABLE, "timed out connecting to " + hop.address() + " after "
                        + elapsedMillis(start) + " ms (limit " + limits.timeout().toMillis() + " ms)", e,
                        HttpResponseReader.TRANSPORT);
            } catch (IOException e) {
                last = e;
            }
        }
        if (last == null) {
            throw timedOut("connecting to " + hop.address(), start);
        }
        String detail = last.getMessage() == null || last.getMessage().toLowerCase(Locale.ROOT).contains("refused")
                ? "connection refused" : last.getMessage();
        if (!(last instanceof ConnectException)) {
            detail = last.getClass().getSimpleName() + ": " + detail;
        }
        throw new ImageFetchException(UNREACHABLE, "could not connect to " + hop.address() + ": " + detail, last,
                HttpResponseReader.TRANSPORT);
    }

    /** TLS over the connected socket, verified for the host name of the URI (not the address). */
    private Socket handshake(Socket socket, Hop hop, long start, long deadline) throws IOException, ImageFetchException {
        SSLSocketFactory factory;
        try {
            factory = sslContext.isPresent() ? sslContext.get().getSocketFactory() : SSLContext.getDefault().getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new ImageFetchException(UNREACHABLE, "TLS failure with " + hop.address() + ": no TLS available", e);
        }
        // A fully qualified name's trailing dot is not part of the name a certificate or SNI carries.
        String name = hop.host().endsWith(".") ? hop.host().substring(0, hop.host().length() - 1) : hop.host();
        SSLSocket tls = (SSLSocket) factory.createSocket(socket, name, hop.port(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!IP_LITERAL.matcher(name).matches()) {
            // SNI carries names only (RFC 6066); an address is verified against the certificate's IP entries.
            try {
                parameters.setServerNames(List.of(new SNIHostName(name)));
            } catch (IllegalArgumentException e) {
                throw new ImageFetchException(UNREACHABLE, "TLS failure with " + hop.address()
                        + ": the host name cannot be sent as a TLS server name", e);
            }
        }
        tls.setSSLParameters(parameters);
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timedOut("connecting to " + hop.address(), start);
        }
        tls.setSoTimeout(millis(remaining));
        try {
            tls.startHandshake();
        } catch (SocketTimeoutException e) {
            throw timedOut("in the TLS handshake with " + hop.address(), start);
        }
        return tls;
    }

    private static byte[] request(Hop hop, String target) {
        boolean defaultPort = hop.port() == (hop.https() ? 443 : 80);
        String host = hop.uri().getHost() + (defaultPort ? "" : ":" + hop.port());
        // Connection: close, so a body without a length ends with the connection and none is reused.
        return ("GET " + target + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Accept: image/*, */*;q=0.1\r\n"
                + "Accept-Encoding: identity\r\n"
                + "User-Agent: alignstream-image-fetch\r\n"
                + "Connection: close\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The media type alone (lower case), when it is one; a header that is not becomes "". */
    static String mediaType(Optional<String> header) {
        if (header.isEmpty()) {
            return "";
        }
        String value = header.get();
        int semicolon = value.indexOf(';');
        String type = (semicolon >= 0 ? value.substring(0, semicolon) : value).trim().toLowerCase(Locale.ROOT);
        return type.length() <= 127 && MEDIA_TYPE.matcher(type).matches() ? type : "";
    }

    private ImageFetchException timedOut(String doing, long start) {
        return new ImageFetchException(UNREACHABLE, "timed out " + doing + " after " + elapsedMillis(start)
                + " ms (limit " + limits.timeout().toMillis() + " ms)", null, HttpResponseReader.TRANSPORT);
    }

    private static ImageFetchException cancelled(URI uri, Exception cause) {
        return new ImageFetchException(UNREACHABLE, "fetch of " + uri + " was cancelled (fetcher closing?)", cause);
    }

    private static int millis(long nanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos) + 1));
    }

    private static long elapsedMillis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing to do: the fetch is over either way.
        }
    }

    /** Ends the lookup threads and every connection in flight: fetches in progress fail at once. */
    @Override
    public void close() {
        closed = true;
        resolvers.shutdownNow();
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    /** The socket's input, each read bounded by what is left of the fetch's deadline. */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private long deadline;

        DeadlineInput(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
        }

        /** Moves the deadline on by time the fetch spent not reading (waiting for image memory). */
        void extend(long nanos) {
            deadline += Math.max(0, nanos);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SocketTimeoutException("fetch deadline passed");
            }
            // Per read, so a server trickling bytes cannot stretch the fetch past its deadline.
            socket.setSoTimeout(millis(remaining));
            return in.read(buffer, offset, length);
        }
    }
}

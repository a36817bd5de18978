package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.MALFORMED_REFERENCE;
import static io.alignstream.fetch.ImageFetchException.Reason.NOT_ALLOWED;
import static io.alignstream.fetch.ImageFetchException.Reason.TOO_LARGE;
import static io.alignstream.fetch.ImageFetchException.Reason.UNREACHABLE;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Fetches {@code http:} and {@code https:} references with one {@link HttpClient}, under one
 * deadline for the whole fetch, following redirects itself so that every hop is checked.
 */
final class HttpImageSource implements AutoCloseable {

    private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    /** What the body handler made of one response. */
    private sealed interface Body permits Bytes, OverLimit, NotRead {}

    private record Bytes(byte[] bytes) implements Body {}

    /** The body passed maxBytes: declared in Content-Length, or counted while reading. */
    private record OverLimit(long bytes, boolean declared) implements Body {}

    /** Not a 2xx response, or given up on: the body is not wanted. */
    private record NotRead() implements Body {}

    private final FetchLimits limits;
    private final ExecutorService executor;
    private final HttpClient client;

    HttpImageSource(FetchLimits limits, Optional<SSLContext> sslContext) {
        this.limits = limits;
        String prefix = "alignstream-image-fetch-" + CLIENTS.incrementAndGet() + "-";
        AtomicInteger threads = new AtomicInteger();
        // Our own executor, so close() can end its threads even on Java 17 (no HttpClient.close() there).
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, prefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        HttpClient.Builder builder = HttpClient.newBuilder()
                // We follow redirects ourselves: the client would not re-check schemes or count against our limit.
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(limits.timeout())
                // Explicit, so JVM-wide proxy properties do not silently change where images come from.
                .proxy(HttpClient.Builder.NO_PROXY)
                .executor(executor);
        sslContext.ifPresent(builder::sslContext);
        this.client = builder.build();
    }

    /** The bytes and the response's Content-Type (or ""). */
    record Result(byte[] bytes, String contentType) {}

    Result fetch(URI first) throws ImageFetchException {
        if (first.getHost() == null) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "HTTP reference has no host: " + first);
        }
        long start = System.nanoTime();
        long deadline = start + limits.timeout().toNanos();
        URI uri = first;
        boolean wasHttps = false;
        for (int redirects = 0; ; redirects++) {
            wasHttps |= "https".equalsIgnoreCase(uri.getScheme());
            HttpResponse<Body> response = exchange(uri, start, deadline);
            int status = response.statusCode();
            Body body = response.body();
            if (status / 100 == 2) {
                if (body instanceof Bytes bytes) {
                    return new Result(bytes.bytes(), response.headers().firstValue("content-type").orElse(""));
                }
                if (!(body instanceof OverLimit over)) {
                    throw new ImageFetchException(UNREACHABLE, "the body from " + uri + " was not read");
                }
                throw new ImageFetchException(TOO_LARGE, over.declared()
                        ? uri + " declares Content-Length " + over.bytes() + " bytes, over the limit of "
                                + limits.maxBytes() + " bytes"
                        : uri + " sent more than the limit of " + limits.maxBytes() + " bytes (stopped reading at "
                                + over.bytes() + " bytes)");
            }
            if (!REDIRECT_STATUSES.contains(status)) {
                throw new ImageFetchException(UNREACHABLE, "HTTP " + status + " from " + uri);
            }
            if (redirects >= limits.maxRedirects()) {
                throw new ImageFetchException(UNREACHABLE, "too many redirects: HTTP " + status + " from " + uri
                        + " would be redirect " + (redirects + 1) + ", over the limit of " + limits.maxRedirects());
            }
            uri = nextHop(uri, status, response.headers().firstValue("location"), wasHttps);
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
                    "HTTP " + status + " from " + from + " redirects to an unparsable Location: " + location.get(), e);
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

    private HttpResponse<Body> exchange(URI uri, long start, long deadline) throws ImageFetchException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timedOut("before requesting " + uri, start);
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri)
                    .GET()
                    .timeout(Duration.ofNanos(remaining))
                    .header("Accept", "image/*, */*;q=0.1")
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "not a usable HTTP URI: " + uri + " (" + e.getMessage() + ")", e);
        }
        AtomicReference<BoundedBody> reading = new AtomicReference<>();
        CompletableFuture<HttpResponse<Body>> future = client.sendAsync(request, info -> {
            if (info.statusCode() / 100 != 2) {
                return new Refused(new NotRead());
            }
            long declared = contentLength(info.headers().firstValue("content-length"));
            if (declared > limits.maxBytes()) {
                // Refuse before a single body byte is read.
                return new Refused(new OverLimit(declared, true));
            }
            BoundedBody body = new BoundedBody(limits.maxBytes(), declared);
            reading.set(body);
            return body;
        });
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abort(future, reading.get());
            throw timedOut(reading.get() == null ? "waiting for a response from " + uri
                    : "reading the response body from " + uri, start);
        } catch (InterruptedException e) {
            abort(future, reading.get());
            Thread.currentThread().interrupt();
            throw new ImageFetchException(UNREACHABLE, "interrupted while fetching " + uri, e);
        } catch (CancellationException e) {
            throw new ImageFetchException(UNREACHABLE, "fetch of " + uri + " was cancelled (fetcher closing?)", e);
        } catch (ExecutionException e) {
            throw failed(uri, e.getCause(), start);
        }
    }

    private static void abort(CompletableFuture<?> future, BoundedBody body) {
        future.cancel(true);
        if (body != null) {
            body.cancel();
        }
    }

    private ImageFetchException timedOut(String doing, long start) {
        return new ImageFetchException(UNREACHABLE, "timed out " + doing + " after " + elapsedMillis(start)
                + " ms (limit " + limits.timeout().toMillis() + " ms)");
    }

    private ImageFetchException failed(URI uri, Throwable cause, long start) {
        // The client wraps its causes differently by version and phase; look down the chain.
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String address = uri.getHost() + ":" + port(uri);
            if (t instanceof HttpConnectTimeoutException) {
                return new ImageFetchException(UNREACHABLE, "timed out connecting to " + address + " after "
                        + elapsedMillis(start) + " ms (limit " + limits.timeout().toMillis() + " ms)", cause);
            }
            if (t instanceof HttpTimeoutException) {
                return new ImageFetchException(UNREACHABLE, "timed out waiting for a response from " + uri + " after "
                        + elapsedMillis(start) + " ms (limit " + limits.timeout().toMillis() + " ms)", cause);
            }
            if (t instanceof UnresolvedAddressException) {
                return new ImageFetchException(UNREACHABLE, "could not resolve host " + uri.getHost(), cause);
            }
            if (t instanceof ConnectException && !(t.getCause() instanceof UnresolvedAddressException)) {
                // Java 17 reports a refused connection as a ConnectException without a message.
                String detail = t.getMessage() == null ? "connection refused" : t.getMessage();
                return new ImageFetchException(UNREACHABLE, "could not connect to " + address + ": " + detail, cause);
            }
            if (t instanceof SSLException) {
                return new ImageFetchException(UNREACHABLE, "TLS failure with " + address + ": " + t.getMessage(), cause);
            }
        }
        return new ImageFetchException(UNREACHABLE, "could not fetch " + uri + ": " + cause, cause);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static long elapsedMillis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** The declared length, or -1 when absent or not a number (then only the counted bytes decide). */
    private static long contentLength(Optional<String> header) {
        try {
            return header.map(value -> Long.parseLong(value.trim())).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        // Java 21+ can end the client's own selector thread; on 17 it ends once the client is unreachable.
        try {
            HttpClient.class.getMethod("shutdownNow").invoke(client);
        } catch (NoSuchMethodException e) {
            // Java 17-20: nothing more to release than our executor.
        } catch (ReflectiveOperationException e) {
            // A failing shutdown must not stop the executor shutdown below.
        }
        executor.shutdownNow();
    }

    /** Cancels the body at once and completes with a fixed outcome: for error statuses and declared oversize. */
    private static final class Refused implements HttpResponse.BodySubscriber<Body> {
        private final CompletableFuture<Body> result;

        Refused(Body outcome) {
            this.result = CompletableFuture.completedFuture(outcome);
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }

    /** Collects the body, one buffer list at a time, and stops as soon as it passes maxBytes. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<Body> {
        private final long maxBytes;
        private final ByteArrayOutputStream buffer;
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        private long received;

        BoundedBody(long maxBytes, long declared) {
            this.maxBytes = maxBytes;
            // Pre-size from Content-Length when known, capped so a lying header cannot make us allocate much.
            this.buffer = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 8192), 1 << 20));
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            if (!subscription.compareAndSet(null, s) || result.isDone()) {
                s.cancel();
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                received += item.remaining();
                if (received > maxBytes) {
                    result.complete(new OverLimit(received, false));
                    subscription.get().cancel();
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                buffer.writeBytes(chunk);
            }
            subscription.get().request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(new Bytes(buffer.toByteArray()));
        }

        /** Gives up on the body (deadline passed): stops the transfer and settles the result. */
        void cancel() {
            result.complete(new NotRead());
            Flow.Subscription s = subscription.get();
            if (s != null) {
                s.cancel();
            }
        }
    }
}

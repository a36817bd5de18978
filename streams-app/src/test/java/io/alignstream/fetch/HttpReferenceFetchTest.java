package io.alignstream.fetch;

import static io.alignstream.fetch.TestHttpServer.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.fetch.ImageFetchException.Reason;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HttpReferenceFetchTest {

    private static final long MIB = 1 << 20;

    private TestHttpServer server;
    private ImageFetcher fetcher;
    private byte[] png;

    @BeforeEach
    void start() throws Exception {
        server = TestHttpServer.http();
        png = Events.png(0);
        fetcher = new ImageFetcher(limits(MIB, Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        fetcher.close();
        server.close();
    }

    @Test
    void anHttpImageComesBackWithTheServersContentTypeWhenTheEventHasNone() throws Exception {
        server.route("/cat.png", body(200, "image/png", png));

        FetchedImage image = fetcher.fetch(Events.reference(server.uri("/cat.png"), ""));

        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @Test
    void theEventsContentTypeWinsOverTheServers() throws Exception {
        server.route("/cat", body(200, "application/octet-stream", png));

        assertThat(fetcher.fetch(Events.reference(server.uri("/cat"), "image/png")).contentType()).isEqualTo("image/png");
    }

    @Test
    void withoutAContentTypeAnywhereItIsEmpty() throws Exception {
        server.route("/cat", body(200, null, png));

        FetchedImage image = fetcher.fetch(Events.reference(server.uri("/cat"), ""));

        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEmpty();
    }

    @Test
    void aChunkedBodyWithinTheLimitIsRead() throws Exception {
        server.route("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // 0: chunked, no Content-Length
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < png.length; i += 100) {
                    out.write(png, i, Math.min(100, png.length - i));
                    out.flush();
                }
            }
        });

        assertThat(fetcher.fetch(Events.reference(server.uri("/chunked"))).bytes()).isEqualTo(png);
    }

    @Test
    void notFoundIsUnreachableWithTheStatusInTheMessage() {
        server.route("/missing.png", body(404, "text/plain", "no such image".getBytes()));

        ImageFetchException e = failure(server.uri("/missing.png"));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("HTTP 404").contains(server.uri("/missing.png"));
    }

    @Test
    void aServerErrorIsUnreachableWithTheStatusInTheMessage() {
        server.route("/broken", body(500, "text/plain", "oops".getBytes()));

        ImageFetchException e = failure(server.uri("/broken"));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("HTTP 500");
    }

    @Test
    void aDeclaredContentLengthOverTheLimitIsRefusedBeforeTheBodyIsRead() {
        // given a server announcing 64 MiB against a 1 MiB limit
        long declared = 64 * MIB;
        AtomicLong sent = new AtomicLong();
        server.route("/big", exchange -> {
            exchange.sendResponseHeaders(200, declared);
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = exchange.getResponseBody();
            while (sent.get() < declared) {
                out.write(chunk);
                sent.addAndGet(chunk.length);
            }
        });

        // when fetched, then it is too large by its header, and the server could not send it all
        ImageFetchException e = failure(server.uri("/big"));

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains("Content-Length " + declared + " bytes").contains("limit of " + MIB + " bytes");
        assertThat(sent.get()).isLessThan(declared);
    }

    @Test
    void aChunkedBodyThatRunsPastTheLimitIsCutOff() {
        // given a server that streams without a Content-Length for as long as anyone reads (capped at 256 MiB)
        AtomicLong sent = new AtomicLong();
        long cap = 256 * MIB;
        server.route("/endless", TestHttpServer.endlessChunked(sent, cap));

        // when fetched against a 1 MiB limit
        ImageFetchException e = failure(server.uri("/endless"));

        // then reading stopped just past the limit, and the server was cut off long before its cap
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains("sent more than the limit of " + MIB + " bytes");
        assertThat(sent.get()).isLessThan(cap);
    }

    @Test
    void aServerThatDoesNotAnswerInTimeIsGivenUpOnNearTheDeadline() {
        // given a server that waits 8 s before answering, and a 300 ms deadline
        server.route("/slow", exchange -> {
            TestHttpServer.sleep(8_000);
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
        });

        try (ImageFetcher impatient = new ImageFetcher(limits(MIB, Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            ImageFetchException e = assertThrows(ImageFetchException.class,
                    () -> impatient.fetch(Events.reference(server.uri("/slow"))));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            // then it gave up near the deadline and says so
            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("timed out").contains("limit 300 ms");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aBodyTricklingInPastTheDeadlineIsGivenUpOnTheDeadlineCoversTheBody() {
        // given a server that answers at once, then sends one byte every 50 ms (never idle long)
        server.route("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 10_000);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 10_000; i++) {
                out.write(png[i % png.length]);
                out.flush();
                TestHttpServer.sleep(50);
            }
        });

        try (ImageFetcher impatient = new ImageFetcher(limits(MIB, Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            ImageFetchException e = assertThrows(ImageFetchException.class,
                    () -> impatient.fetch(Events.reference(server.uri("/trickle"))));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("timed out reading the response body").contains("limit 300 ms");
            assertThat(took).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aRefusedConnectionIsUnreachableAndSaysSo() throws Exception {
        // given a port that was just free, so nothing listens on it
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        ImageFetchException e = failure("http://127.0.0.1:" + port + "/cat.png");

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("could not connect to 127.0.0.1:" + port).contains("connection refused");
    }

    @Test
    void closingTheFetcherEndsItsHttpThreads() throws Exception {
        // given a fetcher that has fetched over HTTP
        server.route("/cat.png", body(200, "image/png", png));
        ImageFetcher used = new ImageFetcher(limits(MIB, Duration.ofSeconds(5)));
        used.fetch(Events.reference(server.uri("/cat.png")));
        assertThat(fetchThreads()).isPositive();

        // when it is closed, then its executor threads end
        used.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fetchThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(fetchThreads()).isZero();
    }

    @Test
    void closingTheFetcherEndsAFetchInFlightAtOnce() throws Exception {
        // given a fetch waiting on a server that answers only after 8 s
        server.route("/slow", exchange -> {
            TestHttpServer.sleep(8_000);
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
        });
        ImageFetcher closing = new ImageFetcher(limits(MIB, Duration.ofSeconds(9)));
        java.util.concurrent.CompletableFuture<ImageFetchException> failure = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> assertThrows(ImageFetchException.class, () -> closing.fetch(Events.reference(server.uri("/slow")))));
        Thread.sleep(300);

        // when the fetcher is closed
        long start = System.nanoTime();
        closing.close();

        // then the fetch ends at once, unreachable, and says why
        ImageFetchException e = failure.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("cancelled");
    }

    private static long fetchThreads() {
        // Every other fetcher in this JVM is closed or has not fetched over HTTP (its pool is still empty).
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("alignstream-image-fetch-"))
                .count();
    }

    private ImageFetchException failure(String uri) {
        return assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));
    }

    /** The test server is on loopback, which only an allow-list entry opens. */
    private static FetchLimits limits(long maxBytes, Duration timeout) {
        return new FetchLimits(maxBytes, timeout, Set.of("http", "https"), Optional.empty(), 3,
                FetchAllowList.parse(List.of("127.0.0.1")));
    }
}

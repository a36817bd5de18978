package io.alignstream.topology.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.faults.ServiceFaultException;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.faults.TestFaults;
import io.alignstream.fetch.FetchAllowList;
import io.alignstream.fetch.FetchLimits;
import io.alignstream.fetch.ImageFetcher;
import io.alignstream.fetch.TestFetchers;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the image stage retries fetches (docs/image-fetching.md, "Retries and memory"): transient
 * faults (HTTP 5xx, 429 with Retry-After, refused connections) are tried again inside the retry
 * budget; a 404 is the reference's own fault and is not; past the budget a producer's host is
 * dead-lettered UNREACHABLE_REFERENCE and an operator's (allow-listed) host fails the task. And
 * an image that alone needs more than half the image memory budget is OVER_LIMIT.
 *
 * <p>A real loopback HTTP server answers; the models are a stub, since only fetching is tested.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImageFetchRetryTest {

    /** A budget for the "down for good" cases: a few backoffs, then a verdict within a second. */
    private static final Duration SHORT_BUDGET = Duration.ofMillis(800);
    /** The smallest Retry-After a server can ask for in delta-seconds (RFC 9110 10.2.3) that is not "now". */
    private static final int RETRY_AFTER_SECONDS = 1;
    private static final int SIDE = 16;

    private HttpServer server;
    private final List<Long> requestTimes = new CopyOnWriteArrayList<>();
    private byte[] png;
    private ImageEmbedder embedder;
    private ImageFetcher fetcher;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        png = png();
    }

    @AfterEach
    void stop() {
        if (embedder != null) {
            embedder.close();
        }
        if (fetcher != null) {
            fetcher.close();
        }
        server.stop(0);
    }

    /** Answers {@code failures} requests with {@code status} (and headers), then the PNG; counts requests. */
    private void route(String path, int failures, int status, Map<String, String> headers) {
        server.createContext(path, exchange -> {
            try (exchange) {
                requestTimes.add(System.nanoTime());
                if (requestTimes.size() <= failures) {
                    headers.forEach(exchange.getResponseHeaders()::set);
                    exchange.sendResponseHeaders(status, -1);
                } else {
                    send(exchange, png);
                }
            }
        });
    }

    private static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "image/png");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static FetchLimits limits(FetchAllowList allow) {
        return new FetchLimits(1 << 20, Duration.ofSeconds(5), Set.of("http"), Optional.empty(),
                FetchLimits.SERVICE_MAX_REDIRECTS, allow);
    }

    /** The image stage, fetching from the loopback server as a host the operator allow-listed. */
    private ImageEmbedder operatorHost(Duration budget) {
        return operatorHost(budget, server.getAddress().getPort());
    }

    /** The image stage, fetching from loopback {@code port} as a server the operator declared (address and port). */
    private ImageEmbedder operatorHost(Duration budget, int port) {
        fetcher = new ImageFetcher(limits(FetchAllowList.parse(List.of("127.0.0.1:" + port))));
        return embedder = new ImageEmbedder(new StubSession(TestFaults.of(budget, 0)), fetcher,
                new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());
    }

    /** The image stage, fetching from the loopback server as if it were a producer's public host. */
    private ImageEmbedder producerHost(Duration budget) {
        fetcher = TestFetchers.producerHostsOn(limits(FetchAllowList.NONE), server.getAddress().getPort());
        return embedder = new ImageEmbedder(new StubSession(TestFaults.of(budget, 0)), fetcher,
                new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());
    }

    private String loopback(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static final String PRODUCER_URI = "http://images.example.com/cat.png";

    @Test
    void givenAServerAnswering503ThreeTimes_whenTheImageIsEmbedded_thenItIsFetchedOnTheFourthTry() {
        // given an allow-listed server that is unavailable for three requests, then serves the image
        int failures = 3;
        route("/cat.png", failures, 503, Map.of());

        // when the image is embedded
        List<StageResult<EmbeddedImage>> results = operatorHost(TestFaults.TEST_RETRY_BUDGET).embed(
                List.of(reference(loopback("/cat.png"))));

        // then it was fetched after the failures and embedded
        assertThat(results).singleElement().isInstanceOf(StageResult.Done.class);
        assertThat(requestTimes).hasSize(failures + 1);
    }

    @Test
    void givenAServerAnswering429WithRetryAfter_whenTheImageIsEmbedded_thenTheRetryWaitsThatLongAndSucceeds() {
        // given a producer's server that asks for a pause once, then serves the image
        route("/cat.png", 1, 429, Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));

        // when the image is embedded, with a budget longer than the pause asked for
        List<StageResult<EmbeddedImage>> results = producerHost(TestFaults.TEST_RETRY_BUDGET).embed(
                List.of(reference(PRODUCER_URI)));

        // then it succeeded on the second request, sent no sooner than Retry-After said
        assertThat(results).singleElement().isInstanceOf(StageResult.Done.class);
        assertThat(requestTimes).hasSize(2);
        assertThat(Duration.ofNanos(requestTimes.get(1) - requestTimes.get(0)))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(RETRY_AFTER_SECONDS));
    }

    @Test
    void givenAServerTooSlowForTheFetchTimeoutOnce_whenTheImageIsEmbedded_thenTheTimedOutFetchIsRetriedAndSucceeds() {
        // given a producer's server whose first answer comes later than the fetch time-out, then answers at once
        Duration fetchTimeout = Duration.ofMillis(200);
        server.createContext("/slow.png", exchange -> {
            try (exchange) {
                requestTimes.add(System.nanoTime());
                if (requestTimes.size() == 1) {
                    Thread.sleep(fetchTimeout.multipliedBy(3).toMillis());
                }
                send(exchange, png);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the fetcher gave up on the slow answer: that is the point
            }
        });
        fetcher = TestFetchers.producerHostsOn(new FetchLimits(1 << 20, fetchTimeout, Set.of("http"), Optional.empty(),
                FetchLimits.SERVICE_MAX_REDIRECTS, FetchAllowList.NONE), server.getAddress().getPort());
        ImageEmbedder stage = embedder = new ImageEmbedder(new StubSession(TestFaults.of(TestFaults.TEST_RETRY_BUDGET, 0)),
                fetcher, new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());

        // when the image is embedded
        List<StageResult<EmbeddedImage>> results = stage.embed(List.of(reference("http://images.example.com/slow.png")));

        // then the time-out was a transient fault: tried again, and the second try fetched it
        assertThat(results).singleElement().isInstanceOf(StageResult.Done.class);
        assertThat(requestTimes).hasSize(2);
    }

    @Test
    void givenAServerAnswering404_whenTheImageIsEmbedded_thenItIsDeadLetteredAtOnceWithoutRetry() {
        // given an allow-listed server that does not have the image
        route("/gone.png", Integer.MAX_VALUE, 404, Map.of());

        // when the image is embedded
        List<StageResult<EmbeddedImage>> results = operatorHost(TestFaults.TEST_RETRY_BUDGET).embed(
                List.of(reference(loopback("/gone.png"))));

        // then it is the reference's own fault: dead-lettered with the status, after one request
        assertThat(results).singleElement().isInstanceOfSatisfying(StageResult.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
            assertThat(rejected.message()).contains("HTTP 404");
        });
        assertThat(requestTimes).hasSize(1);
    }

    @Test
    void givenABatchWhoseRetryDeadlineHasPassed_whenAnImageIsFetched_thenItsFirstTryStillGetsItsOwnTimeout() {
        // given a producer's host that answers, and a batch whose retry budget is already spent
        // (a fetch queued behind others or behind memory waits, or a budget of 0)
        route("/cat.png", 0, 200, Map.of());
        long spent = System.nanoTime();

        // when the image is embedded
        List<StageResult<EmbeddedImage>> results = producerHost(SHORT_BUDGET).embed(List.of(reference(PRODUCER_URI)), spent);

        // then it is fetched on its first try, not dead-lettered for a deadline that was never its own
        assertThat(results).singleElement().isInstanceOf(StageResult.Done.class);
        assertThat(requestTimes).hasSize(1);
    }

    @Test
    void givenAProducersHostAnswering503Forever_whenTheBudgetIsSpent_thenTheImageIsDeadLetteredNamingTheTries() {
        // given a producer's public host that is always unavailable
        route("/cat.png", Integer.MAX_VALUE, 503, Map.of());

        // when the image is embedded with a short budget
        List<StageResult<EmbeddedImage>> results = producerHost(SHORT_BUDGET).embed(List.of(reference(PRODUCER_URI)));

        // then the producer's choice of host is the input's fault: UNREACHABLE_REFERENCE, "after N tries", N requests made
        assertThat(results).singleElement().isInstanceOfSatisfying(StageResult.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
            assertThat(rejected.message()).contains("HTTP 503");
            Matcher tries = Pattern.compile("after (\\d+) tries").matcher(rejected.message());
            assertThat(tries.find()).as("message names the tries: %s", rejected.message()).isTrue();
            assertThat(Integer.parseInt(tries.group(1))).isEqualTo(requestTimes.size()).isGreaterThan(1);
        });
    }

    @Test
    void givenAnAllowListedHostAnswering503Forever_whenTheBudgetIsSpent_thenTheTaskFailsInsteadOfDeadLettering() {
        // given an operator's (allow-listed) host that is always unavailable
        route("/cat.png", Integer.MAX_VALUE, 503, Map.of());
        ImageEmbedder stage = operatorHost(SHORT_BUDGET);

        // when the image is embedded, then a service fault fails the task (it resumes from its last commit)
        ServiceFaultException thrown = assertThrows(ServiceFaultException.class,
                () -> stage.embed(List.of(reference(loopback("/cat.png")))));
        assertThat(thrown.getMessage()).contains("operator declared", "HTTP 503");
        assertThat(thrown.tries()).isEqualTo(requestTimes.size()).isGreaterThan(1);
    }

    @Test
    void givenAnAllowListedHostRefusingConnections_whenTheBudgetIsSpent_thenTheTaskFails() throws IOException {
        // given an allow-listed address with nothing listening (a port taken, then freed)
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ImageEmbedder stage = operatorHost(SHORT_BUDGET, closedPort);

        // when the image is embedded, then the refused connection is retried and, past the budget, fails the task
        ServiceFaultException thrown = assertThrows(ServiceFaultException.class,
                () -> stage.embed(List.of(reference("http://127.0.0.1:" + closedPort + "/cat.png"))));
        assertThat(thrown.getMessage()).contains("connection refused");
        assertThat(thrown.tries()).isGreaterThan(1);
    }

    @Test
    void givenAnAllowListedAddressOnAPortTheOperatorDidNotGive_whenItRefusesConnections_thenItIsTheProducersFault() throws IOException {
        // given an allow-list naming the loopback address without a port, and a producer's reference
        // to a dead port on it (which, counted as the operator's, would fail the task on every replay)
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        fetcher = new ImageFetcher(limits(FetchAllowList.parse(List.of("127.0.0.1"))));
        ImageEmbedder stage = embedder = new ImageEmbedder(new StubSession(TestFaults.of(SHORT_BUDGET, 0)), fetcher,
                new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());

        // when the image is embedded, then past the budget it is dead-lettered, not a task failure
        List<StageResult<EmbeddedImage>> results =
                stage.embed(List.of(reference("http://127.0.0.1:" + closedPort + "/cat.png")));
        assertThat(results).singleElement().isInstanceOfSatisfying(StageResult.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE));
    }

    @Test
    void givenAnAllowListedHostNameThatDoesNotResolve_whenTheBudgetIsSpent_thenTheTaskFailsInsteadOfDeadLettering() {
        // given an image host the operator named on the allow-list, and a resolver that cannot answer for it
        String operatorName = "images.internal";
        fetcher = TestFetchers.noNameResolves(limits(FetchAllowList.parse(List.of(operatorName))));
        ImageEmbedder stage = embedder = new ImageEmbedder(new StubSession(TestFaults.of(SHORT_BUDGET, 0)), fetcher,
                new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());

        // when an image on it is embedded, then the lookup is retried and, past the budget, the task fails:
        // the operator's DNS failing is not the record's fault
        ServiceFaultException thrown = assertThrows(ServiceFaultException.class,
                () -> stage.embed(List.of(reference("http://" + operatorName + "/cat.png"))));
        assertThat(thrown.getMessage()).contains("could not resolve host " + operatorName);
        assertThat(thrown.tries()).isGreaterThan(1);
    }

    @Test
    void givenAProducersHostNameThatDoesNotResolve_whenTheImageIsEmbedded_thenItIsDeadLetteredAtOnce() {
        // given a host name a producer chose, not on the allow-list, that does not resolve
        fetcher = TestFetchers.noNameResolves(limits(FetchAllowList.NONE));
        ImageEmbedder stage = embedder = new ImageEmbedder(new StubSession(TestFaults.of(SHORT_BUDGET, 0)), fetcher,
                new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());

        // when the image is embedded
        long start = System.nanoTime();
        List<StageResult<EmbeddedImage>> results = stage.embed(List.of(reference(PRODUCER_URI)));

        // then the reference is the input's fault: dead-lettered without spending the retry budget
        assertThat(results).singleElement().isInstanceOfSatisfying(StageResult.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
            assertThat(rejected.message()).contains("could not resolve host images.example.com");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT_BUDGET);
    }

    @Test
    void givenAnImageWhoseDecodedPixelsNeedMoreThanHalfTheMemoryBudget_whenEmbedded_thenItIsDeadLetteredOverLimit() {
        // given a memory budget whose half is below the image's decoded size (SIDE x SIDE pixels, 4 bytes each),
        // yet above its encoded size, so the fetch fits and the decode does not
        long decodedBytes = (long) SIDE * SIDE * ImageEmbedder.DECODED_BYTES_PER_PIXEL;
        long memoryBudget = decodedBytes;
        assertThat((long) png.length).isLessThanOrEqualTo(memoryBudget / 2);
        route("/cat.png", 0, 200, Map.of());
        fetcher = new ImageFetcher(limits(FetchAllowList.parse(List.of("127.0.0.1"))));
        ImageEmbedder stage = embedder = new ImageEmbedder(new StubSession(TestFaults.of(SHORT_BUDGET, memoryBudget)),
                fetcher, new ImagePreprocessor(SIDE, SIDE), PipelineMetrics.noop());

        // when it is embedded
        List<StageResult<EmbeddedImage>> results = stage.embed(List.of(reference(loopback("/cat.png"))));

        // then it is the image's own fault, OVER_LIMIT, naming the budget's key; nothing waited for memory
        assertThat(results).singleElement().isInstanceOfSatisfying(StageResult.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
            assertThat(rejected.message()).contains("alignstream.fetch.memory.budget.bytes");
        });
    }

    private static ImageEvent reference(String uri) {
        return ImageEvent.newBuilder()
                .setImageId("img-1")
                .setSource("fetch-retry-test")
                .setContentType("image/png")
                .setContent(ImageReference.newBuilder().setUri(uri).build())
                .setEventTime(Instant.parse("2026-01-01T00:00:00Z"))
                .setAttributes(Map.of())
                .build();
    }

    /** Models that answer anything: these tests are about fetching, not embedding. */
    private record StubSession(ServiceFaults faults) implements InferenceSession {
        @Override
        public List<VisionEmbedding> embedImages(List<float[]> images) {
            return images.stream().map(i -> new VisionEmbedding(new float[] {1f}, new float[] {1f}, 1, 1)).toList();
        }

        @Override
        public List<SparseCode> sparseCodes(List<float[]> imageEmbeddings) {
            return imageEmbeddings.stream().map(e -> new SparseCode(new int[0], new float[0])).toList();
        }

        @Override
        public List<AlignVlmProjection> project(List<float[]> patchTokens) {
            return patchTokens.stream().map(p -> new AlignVlmProjection(new float[] {1f}, new float[] {1f}, List.of())).toList();
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            throw new UnsupportedOperationException("not an image head");
        }

        @Override
        public List<CaptionQuery> queries(List<float[]> captionEmbeddings) {
            throw new UnsupportedOperationException("not an image head");
        }

        @Override
        public List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
            throw new UnsupportedOperationException("not an image head");
        }

        @Override
        public int dictionarySize() {
            return 1;
        }

        @Override
        public boolean hasCaptionAdapter() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}

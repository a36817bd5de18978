package io.alignstream.fetch;

import static io.alignstream.fetch.TestHttpServer.body;
import static io.alignstream.fetch.TestHttpServer.redirect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.fetch.ImageFetchException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HttpRedirectTest {

    /** Both test servers are on loopback, which only an allow-list entry opens. */
    private static final FetchAllowList LOOPBACK = FetchAllowList.parse(List.of("127.0.0.1"));

    private static SelfSignedTls tls;

    private TestHttpServer http;
    private TestHttpServer https;
    private ImageFetcher fetcher;
    private byte[] png;

    @BeforeAll
    static void certificate(@TempDir Path dir) throws Exception {
        tls = SelfSignedTls.create(dir);
    }

    @BeforeEach
    void start() throws Exception {
        http = TestHttpServer.http();
        https = TestHttpServer.https(tls.server);
        png = Events.png(0);
        fetcher = fetcher(3);
    }

    @AfterEach
    void stop() {
        fetcher.close();
        http.close();
        https.close();
    }

    @Test
    void aChainOfRedirectsWithinTheLimitIsFollowedIncludingARelativeLocation() throws Exception {
        // given /a -> /b (absolute) -> /c.png (relative)
        http.route("/a", redirect(302, http.uri("/b")))
                .route("/b", redirect(301, "c.png"))
                .route("/c.png", body(200, "image/png", png));

        FetchedImage image = fetcher.fetch(Events.reference(http.uri("/a"), ""));

        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void everyRedirectStatusIsFollowed(int status) throws Exception {
        http.route("/moved", redirect(status, "/cat.png")).route("/cat.png", body(200, "image/png", png));

        assertThat(fetcher.fetch(Events.reference(http.uri("/moved"))).bytes()).isEqualTo(png);
    }

    @Test
    void aRedirectLoopStopsAtTheLimitAndSaysSo() {
        // given a page that redirects to itself
        AtomicInteger hits = new AtomicInteger();
        http.route("/loop", exchange -> {
            hits.incrementAndGet();
            redirect(302, "/loop").handle(exchange);
        });

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(http.uri("/loop"))));

        // then three redirects were followed (four requests) and the fourth was refused
        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("too many redirects").contains("redirect 4").contains("limit of 3");
        assertThat(hits.get()).isEqualTo(4);
    }

    @Test
    void withNoRedirectsAllowedTheFirstRedirectFails() {
        http.route("/moved", redirect(301, "/cat.png")).route("/cat.png", body(200, "image/png", png));

        try (ImageFetcher strict = fetcher(0)) {
            ImageFetchException e = assertThrows(ImageFetchException.class, () -> strict.fetch(Events.reference(http.uri("/moved"))));

            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("limit of 0");
        }
    }

    @Test
    void aRedirectWithoutLocationIsUnreachable() {
        http.route("/nowhere", exchange -> exchange.sendResponseHeaders(302, -1));

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(http.uri("/nowhere"))));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("HTTP 302").contains("without a Location");
    }

    @Test
    void aRedirectIntoTheLocalFileSystemIsNotAllowedEvenThoughFileIsAnAllowedScheme() {
        http.route("/sneaky", redirect(302, "file:///etc/passwd"));

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(http.uri("/sneaky"))));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("file:///etc/passwd").contains("only http and https redirects");
    }

    @Test
    void anHttpsImageIsFetchedOverRealTls() throws Exception {
        https.route("/cat.png", body(200, "image/png", png));

        assertThat(fetcher.fetch(Events.reference(https.uri("/cat.png"))).bytes()).isEqualTo(png);
    }

    @Test
    void anHttpToHttpsUpgradeIsFollowed() throws Exception {
        http.route("/cat.png", redirect(301, https.uri("/cat.png")));
        https.route("/cat.png", body(200, "image/png", png));

        assertThat(fetcher.fetch(Events.reference(http.uri("/cat.png"))).bytes()).isEqualTo(png);
    }

    @Test
    void anHttpsToHttpDowngradeIsNotAllowedAndTheHttpServerIsNeverAsked() {
        // given an https page redirecting to plain http
        AtomicInteger plainHits = new AtomicInteger();
        https.route("/cat.png", redirect(302, http.uri("/cat.png")));
        http.route("/cat.png", exchange -> {
            plainHits.incrementAndGet();
            body(200, "image/png", png).handle(exchange);
        });

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(https.uri("/cat.png"))));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("https to http downgrade");
        assertThat(plainHits.get()).isZero();
    }

    @Test
    void aRedirectToASchemeLeftOutOfTheLimitsIsNotAllowed() {
        // given a fetcher that takes http only, and an http page moved to https
        http.route("/cat.png", redirect(301, https.uri("/cat.png")));

        try (ImageFetcher httpOnly = new ImageFetcher(
                new FetchLimits(1 << 20, Duration.ofSeconds(5), Set.of("http"), Optional.empty(), 3, LOOPBACK),
                Optional.of(tls.client))) {
            ImageFetchException e = assertThrows(ImageFetchException.class, () -> httpOnly.fetch(Events.reference(http.uri("/cat.png"))));

            assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
            assertThat(e.getMessage()).contains("scheme 'https' is not allowed").contains("allowed: http");
        }
    }

    @Test
    void anUntrustedCertificateIsUnreachableAsATlsFailure() {
        https.route("/cat.png", body(200, "image/png", png));

        // the default trust store does not know our self-signed certificate
        try (ImageFetcher defaultTrust = new ImageFetcher(new FetchLimits(1 << 20, Duration.ofSeconds(5), Set.of("https"),
                Optional.empty(), 3, LOOPBACK))) {
            ImageFetchException e = assertThrows(ImageFetchException.class,
                    () -> defaultTrust.fetch(Events.reference(https.uri("/cat.png"))));

            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("TLS failure with 127.0.0.1");
        }
    }

    private static ImageFetcher fetcher(int maxRedirects) {
        return new ImageFetcher(new FetchLimits(1 << 20, Duration.ofSeconds(5), Set.of("file", "http", "https"),
                Optional.empty(), maxRedirects, LOOPBACK), Optional.of(tls.client));
    }
}

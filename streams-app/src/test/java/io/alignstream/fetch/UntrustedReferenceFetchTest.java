package io.alignstream.fetch;

import static io.alignstream.fetch.TestHttpServer.body;
import static io.alignstream.fetch.TestHttpServer.redirect;
import static io.alignstream.fetch.TestNetwork.address;
import static io.alignstream.fetch.TestNetwork.mapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.fetch.ImageFetchException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP references from producers we do not trust: every hop is resolved once, refused before any
 * connection when an address is not public and not on the allow-list, connected to the address
 * that was checked, and no message carries a byte of what was read.
 *
 * <p>Names resolve through {@link TestNetwork}: private, link-local and other addresses appear
 * only as answers that must be refused, and it refuses to connect anywhere but loopback. The
 * servers are real, on loopback.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class UntrustedReferenceFetchTest {

    /** What an internal service might answer: the first line of /etc/passwd. */
    private static final String SECRET = "root:x:0:0:root:/root:/bin/bash\n";
    private static final String SECRET_HEX = HexFormat.ofDelimiter(" ").formatHex(SECRET.getBytes(StandardCharsets.US_ASCII), 0, 8);

    private static SelfSignedTls tls;

    private TestHttpServer server;
    private TestNetwork network;
    private byte[] png;
    private final AtomicInteger hits = new AtomicInteger();
    private final List<ImageFetcher> opened = new ArrayList<>();

    @BeforeAll
    static void certificate(@TempDir Path dir) throws Exception {
        tls = SelfSignedTls.create(dir);
    }

    @BeforeEach
    void start() throws Exception {
        server = TestHttpServer.http();
        network = new TestNetwork();
        png = Events.png(0);
        server.route("/cat.png", exchange -> {
            hits.incrementAndGet();
            body(200, "image/png", png).handle(exchange);
        });
        server.route("/subjects", exchange -> {
            hits.incrementAndGet();
            body(200, "application/json", SECRET.getBytes(StandardCharsets.US_ASCII)).handle(exchange);
        });
    }

    @AfterEach
    void stop() {
        opened.forEach(ImageFetcher::close);
        server.close();
    }

    // ---- every refused address class, refused before any connection

    static Stream<Arguments> refusedAnswers() {
        return Stream.of(
                Arguments.of(address("127.0.0.1"), "loopback"),
                Arguments.of(address("::1"), "loopback"),
                Arguments.of(address("169.254.169.254"), "link-local"),
                Arguments.of(address("fe80::1"), "link-local"),
                Arguments.of(address("10.0.0.1"), "private"),
                Arguments.of(address("172.16.5.4"), "private"),
                Arguments.of(address("192.168.1.1"), "private"),
                Arguments.of(address("fd00::1"), "private"),
                Arguments.of(address("100.64.0.1"), "shared (carrier-grade NAT)"),
                Arguments.of(address("224.0.0.1"), "multicast"),
                Arguments.of(address("ff02::1"), "multicast"),
                Arguments.of(address("0.0.0.0"), "unspecified"),
                Arguments.of(address("::"), "unspecified"),
                Arguments.of(mapped("127.0.0.1"), "loopback"),
                Arguments.of(mapped("169.254.169.254"), "link-local"),
                Arguments.of(mapped("10.0.0.1"), "private"));
    }

    @ParameterizedTest
    @MethodSource("refusedAnswers")
    void aHostResolvingToANonPublicAddressIsRefusedBeforeAnyConnection(InetAddress answer, String refusedClass) {
        // given a name that resolves to the address, and no allow-list
        network.answer("images.test", answer);

        // when a reference to it is fetched
        ImageFetchException e = failure(fetcher(FetchAllowList.NONE), "http://images.test/cat.png");

        // then it is refused by policy, in a fixed sentence naming the class but not the address, and nothing was dialled
        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).isEqualTo("image reference http://images.test/cat.png is refused: host images.test"
                + " resolves to a " + refusedClass + " address, and image fetches reach only public addresses and those"
                + " on the fetch allow-list");
        assertThat(network.connections()).isEmpty();
    }

    @Test
    void theCloudMetadataAddressIsRefusedWithoutARequestOrAStatus() {
        // given the reference from the finding, an address literal
        ImageFetchException e = failure(fetcher(FetchAllowList.NONE), "http://169.254.169.254/latest/meta-data/");

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("link-local").doesNotContain("HTTP ");
        assertThat(network.connections()).isEmpty();
    }

    @Test
    void oneNonPublicAddressAmongPublicOnesRefusesTheHost() {
        // given a name answering a public address (a documentation range) and a private one
        network.answer("images.test", List.of(address("203.0.113.7"), address("10.1.1.1")));

        ImageFetchException e = failure(fetcher(FetchAllowList.NONE), "http://images.test/cat.png");

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("a private address");
        assertThat(network.connections()).isEmpty();
    }

    // ---- loopback for real: the registry's /subjects and our /metrics were fetched this way

    @Test
    void aRealLoopbackServerIsRefusedAndNeverAsked() {
        // given a real server on loopback serving something internal, and the system's own resolver
        try (ImageFetcher fetcher = new ImageFetcher(limits(FetchAllowList.NONE), Optional.empty())) {
            // when a producer refers to it by address
            ImageFetchException e = assertThrows(ImageFetchException.class,
                    () -> fetcher.fetch(Events.reference(server.uri("/subjects"))));

            // then it is refused, the server saw no request, and nothing of it is in the message
            assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
            assertThat(e.getMessage()).contains("loopback").doesNotContain("root:x");
            assertThat(hits.get()).isZero();
        }
    }

    @Test
    void anAllowListEntryForTheLoopbackServerLetsItThroughOnItsPortOnly() throws Exception {
        // given the loopback server's address and port on the allow-list
        ImageFetcher allowed = fetcher(FetchAllowList.parse(List.of("127.0.0.1:" + port())));
        ImageFetcher otherPort = fetcher(FetchAllowList.parse(List.of("127.0.0.1:" + (port() == 65535 ? 1 : port() + 1))));

        // then it is fetched from that port, and refused with another port allowed
        assertThat(allowed.fetch(Events.reference(server.uri("/cat.png"))).bytes()).isEqualTo(png);
        assertThat(failure(otherPort, server.uri("/cat.png")).reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(hits.get()).isEqualTo(1);
    }

    @Test
    void aHostNameOnTheAllowListIsFetchedWhateverItResolvesToAndOtherNamesForTheSameAddressAreNot() throws Exception {
        // given two names for the loopback server, one of them allowed
        network.answer("images.internal", address("127.0.0.1")).answer("other.internal", address("127.0.0.1"));
        ImageFetcher fetcher = fetcher(FetchAllowList.parse(List.of("images.internal")));

        assertThat(fetcher.fetch(Events.reference("http://images.internal:" + port() + "/cat.png")).bytes()).isEqualTo(png);
        assertThat(failure(fetcher, "http://other.internal:" + port() + "/cat.png").reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(hits.get()).isEqualTo(1);
    }

    // ---- redirects: each hop is checked as the first

    @Test
    void aRedirectFromAnAllowedHostToANotAllowedAddressIsRefusedBeforeItIsFollowed() {
        // given an allowed host whose page redirects to the same server under its address, which is not allowed
        network.answer("images.internal", address("127.0.0.1"));
        server.route("/moved", redirect(302, server.uri("/subjects")));
        ImageFetcher fetcher = fetcher(FetchAllowList.parse(List.of("images.internal")));

        // when the reference is fetched
        ImageFetchException e = failure(fetcher, "http://images.internal:" + port() + "/moved");

        // then the redirect is refused, /subjects was never asked, and the message says which hop and why
        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).startsWith("http://images.internal:" + port() + "/moved redirects to "
                + server.uri("/subjects") + ", which is refused: host 127.0.0.1 resolves to a loopback address");
        assertThat(hits.get()).isZero();
        assertThat(network.connections()).hasSize(1);
    }

    @Test
    void aRedirectToTheMetadataAddressOrAPrivateNameIsRefusedWithoutAConnection() {
        // given an allowed loopback server that redirects to link-local and private targets
        network.answer("db.internal", address("10.0.0.5"));
        server.route("/metadata", redirect(302, "http://169.254.169.254/latest/meta-data/"))
                .route("/db", redirect(307, "http://db.internal:5432/"));
        ImageFetcher fetcher = fetcher(FetchAllowList.parse(List.of("127.0.0.1:" + port())));

        ImageFetchException metadata = failure(fetcher, server.uri("/metadata"));
        ImageFetchException db = failure(fetcher, server.uri("/db"));

        // then both are refused, and the only connections were to the allowed server
        assertThat(metadata.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(metadata.getMessage()).contains("link-local");
        assertThat(db.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(db.getMessage()).contains("private");
        assertThat(network.connections()).extracting(InetSocketAddress::getAddress).containsOnly(address("127.0.0.1"));
    }

    // ---- DNS rebinding: the address checked is the address connected to

    @Test
    void aNameThatAnswersAnAllowedAddressFirstAndAPrivateOneAfterIsResolvedOnceAndConnectedToTheChecked() throws Exception {
        // given a name whose first answer is the allowed loopback server and every later answer a private address
        network.answer("rebind.test", List.of(address("127.0.0.1")), List.of(address("10.0.0.1")));
        ImageFetcher fetcher = fetcher(FetchAllowList.parse(List.of("127.0.0.1:" + port())));

        // when it is fetched
        FetchedImage image = fetcher.fetch(Events.reference("http://rebind.test:" + port() + "/cat.png"));

        // then it was looked up once, and the connection went to the address that was checked
        assertThat(image.bytes()).isEqualTo(png);
        assertThat(network.lookups("rebind.test")).isEqualTo(1);
        assertThat(network.connections()).containsExactly(new InetSocketAddress(address("127.0.0.1"), port()));
    }

    @Test
    void eachRedirectHopIsResolvedOnceItself() throws Exception {
        // given an allowed name whose page redirects to itself once, and whose second answer is private
        network.answer("rebind.test", List.of(address("127.0.0.1")), List.of(address("10.0.0.1")));
        server.route("/hop", redirect(302, "/cat.png"));
        ImageFetcher fetcher = fetcher(FetchAllowList.parse(List.of("127.0.0.1:" + port())));

        // when it is fetched, then the second hop's own lookup answered the private address, and it was refused
        ImageFetchException e = failure(fetcher, "http://rebind.test:" + port() + "/hop");

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("redirects to").contains("private");
        assertThat(network.lookups("rebind.test")).isEqualTo(2);
        assertThat(hits.get()).isZero();
    }

    // ---- https: the connection is to the checked address, the certificate is checked for the name

    @Test
    void anHttpsNameIsVerifiedAgainstTheCertificateForTheNameNotTheAddress() throws Exception {
        // given an https server whose certificate names 127.0.0.1 and images.test, reached through two names
        try (TestHttpServer https = TestHttpServer.https(tls.server)) {
            https.route("/cat.png", body(200, "image/png", png));
            int port = https.asUri("/").getPort();
            network.answer(SelfSignedTls.NAME, address("127.0.0.1")).answer("other.test", address("127.0.0.1"));
            FetchAllowList loopback = FetchAllowList.parse(List.of("127.0.0.1"));
            try (ImageFetcher fetcher = new ImageFetcher(limits(loopback), Optional.of(tls.client), network)) {
                // when fetched by the name on the certificate, then it is
                assertThat(fetcher.fetch(Events.reference("https://" + SelfSignedTls.NAME + ":" + port + "/cat.png")).bytes())
                        .isEqualTo(png);

                // and by the fully qualified name (trailing dot), it is the same name
                network.answer(SelfSignedTls.NAME + ".", address("127.0.0.1"));
                assertThat(fetcher.fetch(Events.reference("https://" + SelfSignedTls.NAME + ".:" + port + "/cat.png")).bytes())
                        .isEqualTo(png);

                // and by another name for the same address, the certificate does not match: a TLS failure
                ImageFetchException e = failure(fetcher, "https://other.test:" + port + "/cat.png");
                assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
                assertThat(e.getMessage()).contains("TLS failure with other.test:" + port);
            }
        }
    }

    // ---- no bytes of what was read in any message

    @Test
    void noMessageCarriesBytesOfWhatTheServerSent() throws Exception {
        // given an allowed server answering with the secret in every way that fails
        byte[] secret = SECRET.getBytes(StandardCharsets.US_ASCII);
        server.route("/404", body(404, "text/plain", secret))
                .route("/500", body(500, SECRET.trim(), secret))
                .route("/big", exchange -> {
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 64; i++) {
                            out.write(secret);
                        }
                    }
                })
                .route("/bad-location", exchange -> {
                    exchange.getResponseHeaders().set("Location", "http://[" + SECRET.trim() + "]/");
                    exchange.sendResponseHeaders(302, -1);
                });
        try (ImageFetcher fetcher = new ImageFetcher(new FetchLimits(256, Duration.ofSeconds(5), Set.of("http"),
                Optional.empty(), 3, FetchAllowList.parse(List.of("127.0.0.1"))), Optional.empty(), network)) {
            for (String path : List.of("/404", "/500", "/big", "/bad-location")) {
                // when each is fetched
                ImageFetchException e = failure(fetcher, server.uri(path));

                // then the message has the status or the size, never the secret
                assertThat(e.getMessage()).as(path).doesNotContain("root:x").doesNotContain(SECRET_HEX)
                        .doesNotContain("bin/bash");
            }
        }
    }

    @Test
    void aServiceThatDoesNotSpeakHttpIsUnusableAndNotQuoted() throws Exception {
        // given an allowed loopback port whose service answers with the secret, not HTTP
        try (ServerSocket raw = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                try (Socket client = raw.accept(); InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                    in.read(new byte[1024]);
                    out.write(SECRET.repeat(4).getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the fetcher hung up: fine
                }
            });
            answering.setDaemon(true);
            answering.start();
            FetchAllowList allowed = FetchAllowList.parse(List.of("127.0.0.1:" + raw.getLocalPort()));

            ImageFetchException e = failure(fetcher(allowed), "http://127.0.0.1:" + raw.getLocalPort() + "/");

            // then it is unreachable as not HTTP, and nothing it said is in the message
            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("not usable HTTP/1.1").doesNotContain("root:x").doesNotContain(SECRET_HEX);
        }
    }

    private int port() {
        return server.asUri("/").getPort();
    }

    private ImageFetcher fetcher(FetchAllowList allow) {
        ImageFetcher fetcher = new ImageFetcher(limits(allow), Optional.empty(), network);
        opened.add(fetcher);
        return fetcher;
    }

    private static FetchLimits limits(FetchAllowList allow) {
        return new FetchLimits(1 << 20, Duration.ofSeconds(5), Set.of("http", "https"), Optional.empty(), 3, allow);
    }

    private static ImageFetchException failure(ImageFetcher fetcher, String uri) {
        return assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));
    }
}

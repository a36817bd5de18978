package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.fetch.ImageFetchException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReferenceSchemeTest {

    /** Every scheme allowed, with a root: so that what is refused here is refused for its form alone. */
    private final ImageFetcher fetcher = new ImageFetcher(new FetchLimits(1024, Duration.ofSeconds(1),
            Set.of("file", "http", "https"), Optional.of(Path.of(System.getProperty("java.io.tmpdir"))), 0));

    @AfterEach
    void close() {
        fetcher.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ftp://127.0.0.1/image.png",
        "jar:file:/tmp/images.jar!/image.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "gopher://127.0.0.1/1"
    })
    void schemesOtherThanFileHttpAndHttpsAreNotAllowed(String uri) {
        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("is not allowed").contains("allowed: file, http, https");
    }

    @Test
    void theServiceDefaultsTakeImagesInlineOnlyAndRefuseEveryReferenceBeforeAnyIo() {
        // given the service's default limits
        try (ImageFetcher defaults = new ImageFetcher(DefaultConfig.fetchLimits())) {
            // when asked for a file and a loopback URL, then both are refused by scheme, nothing read or asked
            for (String uri : new String[] {"file:///etc/passwd", "http://127.0.0.1:9/metrics", "https://127.0.0.1:9/a.png"}) {
                ImageFetchException e = assertThrows(ImageFetchException.class, () -> defaults.fetch(Events.reference(uri)));
                assertThat(e.reason()).as(uri).isEqualTo(Reason.NOT_ALLOWED);
                assertThat(e.getMessage()).as(uri).contains("is not allowed (allowed: none)");
            }
        }
    }

    @Test
    void aSupportedSchemeLeftOutOfTheLimitsIsNotAllowed() {
        // given a fetcher that only takes https
        try (ImageFetcher httpsOnly = new ImageFetcher(
                new FetchLimits(1024, Duration.ofSeconds(1), Set.of("https"), Optional.empty(), 0))) {
            // when asked for http: and file: references, then both are refused before any I/O
            for (String uri : new String[] {"http://127.0.0.1:9/a.png", "file:///etc/hostname"}) {
                ImageFetchException e = assertThrows(ImageFetchException.class, () -> httpsOnly.fetch(Events.reference(uri)));
                assertThat(e.reason()).as(uri).isEqualTo(Reason.NOT_ALLOWED);
                assertThat(e.getMessage()).contains("allowed: https");
            }
        }
    }

    @Test
    void schemesAreCaseInsensitive() {
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> fetcher.fetch(Events.reference("FTP://127.0.0.1/image.png")));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("'ftp'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"images/cat.png", "/var/images/cat.png", ""})
    void aReferenceWithoutASchemeIsMalformed(String uri) {
        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_REFERENCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://exa mple.com/cat.png", "http://[::1/cat.png", "file:///tmp/a b.png", "::"})
    void anUnparsableReferenceIsMalformedAndQuoted(String uri) {
        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_REFERENCE);
        assertThat(e.getMessage()).contains(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http:///cat.png", "https:cat.png", "file:cat.png", "file://otherhost/cat.png"})
    void aReferenceThatParsesButCannotNameAnImageIsMalformed(String uri) {
        ImageFetchException e = assertThrows(ImageFetchException.class, () -> fetcher.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_REFERENCE);
    }
}

package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.fetch.ImageFetchException.Reason;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InlineImageFetchTest {

    private ImageFetcher fetcher;

    @AfterEach
    void close() {
        if (fetcher != null) {
            fetcher.close();
        }
    }

    @Test
    void inlineBytesComeBackAsIsWithTheEventsContentType() throws Exception {
        // given an event carrying a real PNG inline
        byte[] png = Events.png(0);
        fetcher = new ImageFetcher(DefaultConfig.fetchLimits());

        // when it is fetched
        FetchedImage image = fetcher.fetch(Events.inline(ByteBuffer.wrap(png), "image/png"));

        // then the bytes are the PNG's, with the declared type
        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @Test
    void fetchingDoesNotMoveTheEventsBufferAndHonoursItsPosition() throws Exception {
        // given a buffer whose readable part starts after a 3-byte prefix
        byte[] png = Events.png(1);
        ByteBuffer buffer = ByteBuffer.allocate(png.length + 3);
        buffer.put(new byte[] {9, 9, 9}).put(png).flip().position(3);
        fetcher = new ImageFetcher(DefaultConfig.fetchLimits());

        // when it is fetched twice
        byte[] first = fetcher.fetch(Events.inline(buffer, "image/png")).bytes();
        byte[] second = fetcher.fetch(Events.inline(buffer, "image/png")).bytes();

        // then both are the readable bytes only, and the buffer is where it was
        assertThat(first).isEqualTo(png);
        assertThat(second).isEqualTo(png);
        assertThat(buffer.position()).isEqualTo(3);
        assertThat(buffer.remaining()).isEqualTo(png.length);
    }

    @Test
    void anEmptyContentTypeStaysEmptyForInlineBytes() throws Exception {
        fetcher = new ImageFetcher(DefaultConfig.fetchLimits());

        FetchedImage image = fetcher.fetch(Events.inline(ByteBuffer.wrap(Events.png(2)), ""));

        assertThat(image.contentType()).isEmpty();
    }

    @Test
    void inlineBytesExactlyAtTheLimitAreAccepted() throws Exception {
        byte[] png = Events.png(3);
        fetcher = new ImageFetcher(limit(png.length));

        assertThat(fetcher.fetch(Events.inline(ByteBuffer.wrap(png), "image/png")).bytes()).hasSize(png.length);
    }

    @Test
    void inlineBytesOverTheLimitAreTooLargeAndTheMessageNamesBothSizes() {
        // given a limit one byte below the image
        byte[] png = Events.png(3);
        fetcher = new ImageFetcher(limit(png.length - 1));

        // when it is fetched, then it is refused as too large, naming size and limit
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> fetcher.fetch(Events.inline(ByteBuffer.wrap(png), "image/png")));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains(png.length + " bytes").contains("limit of " + (png.length - 1) + " bytes");
    }

    @Test
    void aClosedFetcherRefusesToFetch() {
        fetcher = new ImageFetcher(DefaultConfig.fetchLimits());
        fetcher.close();
        fetcher.close(); // idempotent

        assertThrows(IllegalStateException.class,
                () -> fetcher.fetch(Events.inline(ByteBuffer.wrap(new byte[] {1}), "image/png")));
    }

    private static FetchLimits limit(long maxBytes) {
        return new FetchLimits(maxBytes, Duration.ofSeconds(5), Set.of("file", "http", "https"), Optional.empty(), 3);
    }
}

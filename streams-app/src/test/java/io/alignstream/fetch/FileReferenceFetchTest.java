package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.fetch.ImageFetchException.Reason;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FileReferenceFetchTest {

    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private byte[] png;
    private ImageFetcher unrooted;
    private ImageFetcher rooted;

    @BeforeEach
    void files() throws Exception {
        // given a root with an image in it, and a secret outside it
        root = Files.createDirectories(dir.resolve("images"));
        outside = Files.createDirectories(dir.resolve("elsewhere"));
        png = Events.png(0);
        Files.write(root.resolve("cat.png"), png);
        Files.write(outside.resolve("secret.png"), Events.png(1));
        unrooted = new ImageFetcher(limits(1 << 20, Optional.empty()));
        rooted = new ImageFetcher(limits(1 << 20, Optional.of(root)));
    }

    @AfterEach
    void close() {
        unrooted.close();
        rooted.close();
    }

    @Test
    void aFileImageComesBackWithTheEventsContentType() throws Exception {
        FetchedImage image = unrooted.fetch(Events.reference(root.resolve("cat.png").toUri().toString(), "image/png"));

        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @Test
    void aFileUnderTheRootIsReadAndSoIsASymlinkThatStaysInside() throws Exception {
        Files.createSymbolicLink(root.resolve("alias.png"), root.resolve("cat.png"));

        assertThat(rooted.fetch(Events.reference(root.resolve("cat.png").toUri().toString())).bytes()).isEqualTo(png);
        assertThat(rooted.fetch(Events.reference(root.resolve("alias.png").toUri().toString())).bytes()).isEqualTo(png);
    }

    @Test
    void dotDotOutOfTheRootIsNotAllowed() {
        // given a path that starts under the root and climbs out of it
        String uri = "file://" + root + "/../elsewhere/secret.png";

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> rooted.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("outside the allowed root").contains("elsewhere");
    }

    @Test
    void percentEncodedDotDotOutOfTheRootIsNotAllowed() {
        String uri = "file://" + root + "/%2e%2e/elsewhere/secret.png";

        ImageFetchException e = assertThrows(ImageFetchException.class, () -> rooted.fetch(Events.reference(uri)));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
    }

    @Test
    void aSymlinkInsideTheRootPointingOutsideIsNotAllowed() throws Exception {
        // given a link that lives in the root but points at the secret
        Path link = Files.createSymbolicLink(root.resolve("innocent.png"), outside.resolve("secret.png"));

        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> rooted.fetch(Events.reference(link.toUri().toString())));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
        assertThat(e.getMessage()).contains("innocent.png").contains("secret.png").contains("outside the allowed root");
    }

    @Test
    void aSiblingDirectorySharingTheRootsNamePrefixIsNotUnderTheRoot() throws Exception {
        // given /tmp/.../images2/x.png next to the root /tmp/.../images
        Path sibling = Files.createDirectories(dir.resolve("images2"));
        Files.write(sibling.resolve("x.png"), png);

        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> rooted.fetch(Events.reference(sibling.resolve("x.png").toUri().toString())));

        assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED);
    }

    @Test
    void aMissingFileIsUnreachable() {
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> unrooted.fetch(Events.reference(root.resolve("missing.png").toUri().toString())));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("missing.png").contains("does not exist");
    }

    @Test
    void aDirectoryIsUnreachableNotRead() {
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> unrooted.fetch(Events.reference(root.toUri().toString())));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("not a regular file");
    }

    @Test
    void aMissingRootMakesEveryFileUnreachable() throws Exception {
        try (ImageFetcher gone = new ImageFetcher(limits(1 << 20, Optional.of(dir.resolve("no-such-root"))))) {
            ImageFetchException e = assertThrows(ImageFetchException.class,
                    () -> gone.fetch(Events.reference(root.resolve("cat.png").toUri().toString())));

            assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage()).contains("file root").contains("no-such-root");
        }
    }

    @Test
    void aHugeFileIsRefusedBySizeWithoutBeingRead() throws Exception {
        // given an 8 GiB (sparse) file, far more than the heap, and a 1 MiB limit
        Path huge = dir.resolve("huge.png");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(8L << 30);
        }

        // when it is fetched
        long start = System.nanoTime();
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> unrooted.fetch(Events.reference(huge.toUri().toString())));

        // then it is refused by its size, at once, naming size and limit
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains((8L << 30) + " bytes").contains("limit of " + (1 << 20) + " bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aFileOneByteOverTheLimitIsTooLargeAndOneAtTheLimitIsRead() throws Exception {
        try (ImageFetcher exact = new ImageFetcher(limits(png.length, Optional.empty()));
             ImageFetcher tight = new ImageFetcher(limits(png.length - 1, Optional.empty()))) {
            String uri = root.resolve("cat.png").toUri().toString();

            assertThat(exact.fetch(Events.reference(uri)).bytes()).isEqualTo(png);
            ImageFetchException e = assertThrows(ImageFetchException.class, () -> tight.fetch(Events.reference(uri)));
            assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        }
    }

    private static FetchLimits limits(long maxBytes, Optional<Path> root) {
        return new FetchLimits(maxBytes, Duration.ofSeconds(5), Set.of("file", "http", "https"), root, 3);
    }
}

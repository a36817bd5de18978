package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.fetch.ImageFetchException.Reason;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** What every file reference that cannot be read under the root is told, whatever the reason. */
    private static final String UNREADABLE = "file reference <reference> is not a readable regular file under the file root";

    private static final String SECRET = "root:x:0:0:root:/root:/bin/bash\n";

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
        Files.writeString(outside.resolve("secret.png"), SECRET);
        unrooted = new ImageFetcher(limits(1 << 20, Optional.empty()));
        rooted = new ImageFetcher(limits(1 << 20, Optional.of(root)));
    }

    @AfterEach
    void close() {
        unrooted.close();
        rooted.close();
    }

    @Test
    void aFileImageUnderTheRootComesBackWithTheEventsContentType() throws Exception {
        FetchedImage image = rooted.fetch(Events.reference(root.resolve("cat.png").toUri().toString(), "image/png"));

        assertThat(image.bytes()).isEqualTo(png);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @Test
    void withoutARootEveryFileReferenceIsRefusedThoughFileIsAnAllowedScheme() {
        // given a fetcher that allows file: but has no root, and references to a real image and to /etc/passwd
        for (String uri : new String[] {root.resolve("cat.png").toUri().toString(), "file:///etc/passwd"}) {
            // when fetched, then each is refused by policy, without a word about the file
            ImageFetchException e = assertThrows(ImageFetchException.class, () -> unrooted.fetch(Events.reference(uri)));

            assertThat(e.reason()).as(uri).isEqualTo(Reason.NOT_ALLOWED);
            assertThat(e.getMessage()).isEqualTo("file reference " + uri
                    + " is refused: file: references are read only under a configured file root, and none is set");
        }
    }

    @Test
    void aFileUnderTheRootIsReadAndSoIsASymlinkThatStaysInside() throws Exception {
        Files.createSymbolicLink(root.resolve("alias.png"), root.resolve("cat.png"));

        assertThat(rooted.fetch(Events.reference(root.resolve("cat.png").toUri().toString())).bytes()).isEqualTo(png);
        assertThat(rooted.fetch(Events.reference(root.resolve("alias.png").toUri().toString())).bytes()).isEqualTo(png);
    }

    @Test
    void everyFileThatCannotBeReadUnderTheRootGetsTheSameSentenceSoNoneRevealsWhetherItExists() throws Exception {
        // given references that escape the root in every way, one that is missing, and some that are not regular files
        Files.createSymbolicLink(root.resolve("innocent.png"), outside.resolve("secret.png"));
        Files.createSymbolicLink(root.resolve("dangling.png"), outside.resolve("no-such.png"));
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Path sibling = Files.createDirectories(dir.resolve("images2"));
        Files.write(sibling.resolve("x.png"), png);
        Files.createDirectories(root.resolve("albums"));
        Map<String, String> references = new LinkedHashMap<>();
        references.put("missing under the root", root.resolve("missing.png").toUri().toString());
        references.put("dot-dot out of the root", "file://" + root + "/../elsewhere/secret.png");
        references.put("percent-encoded dot-dot", "file://" + root + "/%2e%2e/elsewhere/secret.png");
        references.put("dot-dot to a missing file", "file://" + root + "/../elsewhere/no-such.png");
        references.put("symlink to a file outside", root.resolve("innocent.png").toUri().toString());
        references.put("dangling symlink", root.resolve("dangling.png").toUri().toString());
        references.put("symlinked directory outside", root.resolve("escape").resolve("secret.png").toUri().toString());
        references.put("sibling sharing the root's prefix", sibling.resolve("x.png").toUri().toString());
        references.put("a directory under the root", root.resolve("albums").toUri().toString());
        references.put("the root itself", root.toUri().toString());
        references.put("/etc/passwd", "file:///etc/passwd");
        references.put("/proc/self/environ", "file:///proc/self/environ");
        references.put("a device", "file:///dev/zero");

        references.forEach((what, uri) -> {
            // when each is fetched
            ImageFetchException e = assertThrows(ImageFetchException.class, () -> rooted.fetch(Events.reference(uri)), what);

            // then each is unreachable with the one sentence, which names neither real paths nor contents
            assertThat(e.reason()).as(what).isEqualTo(Reason.UNREACHABLE);
            assertThat(e.getMessage().replace(uri, "<reference>")).as(what).isEqualTo(UNREADABLE);
            assertThat(e.getMessage()).as(what).doesNotContain("root:x").doesNotContain("72 6f 6f 74");
        });
    }

    @Test
    void aSymlinkEscapeDoesNotNameWhereTheLinkPoints() throws Exception {
        // given a link that lives in the root but points at the secret
        Path link = Files.createSymbolicLink(root.resolve("innocent.png"), outside.resolve("secret.png"));

        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> rooted.fetch(Events.reference(link.toUri().toString())));

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e.getMessage()).contains("innocent.png").doesNotContain("elsewhere").doesNotContain("secret.png");
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
        // given an 8 GiB (sparse) file under the root, far more than the heap, and a 1 MiB limit
        Path huge = root.resolve("huge.png");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(8L << 30);
        }

        // when it is fetched
        long start = System.nanoTime();
        ImageFetchException e = assertThrows(ImageFetchException.class,
                () -> rooted.fetch(Events.reference(huge.toUri().toString())));

        // then it is refused by its size, at once, naming size and limit
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains((8L << 30) + " bytes").contains("limit of " + (1 << 20) + " bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aFileOneByteOverTheLimitIsTooLargeAndOneAtTheLimitIsRead() throws Exception {
        try (ImageFetcher exact = new ImageFetcher(limits(png.length, Optional.of(root)));
             ImageFetcher tight = new ImageFetcher(limits(png.length - 1, Optional.of(root)))) {
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

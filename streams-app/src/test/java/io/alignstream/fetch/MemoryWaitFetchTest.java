package io.alignstream.fetch;

import static io.alignstream.fetch.TestHttpServer.body;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.faults.ImageMemoryBudget;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting for image memory that other fetches hold is the service's time, not the image host's:
 * it does not count against the fetch's time-out.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class MemoryWaitFetchTest {
    /** Longer than the server's answer takes, shorter than the wait below. */
    private static final Duration FETCH_TIMEOUT = Duration.ofMillis(500);
    private static final Duration HELD_FOR = Duration.ofMillis(1500);

    private final TestHttpServer server;
    private final ImageFetcher fetcher;

    MemoryWaitFetchTest() throws Exception {
        server = TestHttpServer.http();
        fetcher = new ImageFetcher(new FetchLimits(1 << 20, FETCH_TIMEOUT, Set.of("http"), Optional.empty(), 3,
                FetchAllowList.parse(List.of("127.0.0.1"))));
    }

    @AfterEach
    void stop() {
        fetcher.close();
        server.close();
    }

    @Test
    void aFetchThatWaitsForMemoryLongerThanItsTimeoutStillReadsItsBody() throws Exception {
        // given a body larger than the reader's buffer (so it is read after the memory is reserved), and
        // an image memory budget whose fetched half another fetch holds for longer than the fetch time-out
        byte[] image = new byte[200_000];
        new SecureRandom().nextBytes(image);
        server.route("/big.png", body(200, "image/png", image));
        ImageMemoryBudget memory = new ImageMemoryBudget(4L * image.length);
        ImageMemoryBudget.Reservation held = memory.reserve(ImageMemoryBudget.Use.FETCHED, memory.largestReservation(),
                System.nanoTime(), "another fetch");
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            TestHttpServer.sleep(HELD_FOR.toMillis());
            held.close();
        });

        // when the image is fetched, allowed to wait for memory for longer than that
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (ImageFetcher.Held fetched = fetcher.fetch(Events.reference(server.uri("/big.png")), memory, deadline)) {
            // then it waited, and its body was read in full: the wait was not charged as a time-out
            assertThat(fetched.image().bytes()).isEqualTo(image);
        }
        release.join();
    }
}

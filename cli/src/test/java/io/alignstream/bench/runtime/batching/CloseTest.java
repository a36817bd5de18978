package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** close(): stop accepting, finish or clearly fail what is queued, join the workers in bounded time. */
@Timeout(20)
class CloseTest {

    private final BatcherSettings settings = BatcherSettings.defaults("closing");
    private final Functions.Gate gate = new Functions.Gate();
    private final BatchFunction<Long, Long> heldOnZero = batch -> {
        if (batch.contains(0L)) {
            gate.pass();
        }
        return Functions.mixAll(batch);
    };

    @Test
    void closeRunsWhatIsQueuedAtOnceAndThenRefusesNewItems() throws Exception {
        // given three items waiting for a batch of 8 that would wait 30 s
        BatcherStatistics stats = new BatcherStatistics();
        DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(8).withMaxWait(Duration.ofSeconds(30)), Functions::mixAll, stats);
        List<CompletableFuture<Long>> queued = batcher.submitAll(List.of(1L, 2L, 3L));

        // when the batcher is closed
        long start = System.nanoTime();
        batcher.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;

        // then the queued items ran without waiting out maxWait, and the workers are gone
        assertThat(closeMillis).isLessThan(10_000);
        assertThat(queued).allSatisfy(future -> assertThat(future).isCompleted());
        assertThat(queued.get(2).join()).isEqualTo(Functions.mix(3));
        assertThat(batcher.isClosed()).isTrue();
        assertThat(batcher.isTerminated()).isTrue();
        // and a new item is refused clearly
        assertThatThrownBy(batcher.submit(4L)::join).hasCauseInstanceOf(BatcherClosedException.class)
                .hasMessageContaining("'closing' is closed");
        assertThat(stats.rejectedClosed()).isEqualTo(1);
        // and closing again does nothing
        batcher.close();
    }

    @Test
    void aBatchStuckPastTheCloseTimeoutFailsEverythingLeftClearly() throws Exception {
        // given a batch that never finishes on its own, and two items queued behind it
        DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(1)
                .withMaxWait(Duration.ZERO).withCloseTimeout(Duration.ofMillis(200)), heldOnZero);
        CompletableFuture<Long> running = batcher.submit(0L);
        gate.awaitEntered();
        List<CompletableFuture<Long>> queued = batcher.submitAll(List.of(1L, 2L));

        // when the batcher is closed
        long start = System.nanoTime();
        batcher.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;

        // then close gave up after its timeout, and no future is left pending
        assertThat(closeMillis).isBetween(200L, 5_000L);
        assertThatThrownBy(running::join).hasCauseInstanceOf(BatcherClosedException.class)
                .hasMessageContaining("did not finish within its close timeout of 200 ms")
                .hasMessageContaining("batch was still running");
        assertThat(queued).allSatisfy(future -> assertThatThrownBy(future::join)
                .hasCauseInstanceOf(BatcherClosedException.class).hasMessageContaining("queued and never ran"));
        // and the interrupted worker ends
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!batcher.isTerminated() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(batcher.isTerminated()).isTrue();
    }

    @Test
    void closeReleasesSubmittersBlockedOnAFullQueue() throws Exception {
        // given a full queue and a submitter blocked on it for up to 30 s
        DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(1).withQueueCapacity(1)
                .withMaxWait(Duration.ZERO).withOfferTimeout(Duration.ofSeconds(30)), heldOnZero);
        CompletableFuture<Long> running = batcher.submit(0L);
        gate.awaitEntered();
        CompletableFuture<Long> queued = batcher.submit(1L);
        CompletableFuture<CompletableFuture<Long>> blocked = CompletableFuture.supplyAsync(() -> batcher.submit(2L));
        Thread.sleep(100);
        assertThat(blocked).isNotDone();

        // when the batcher is closed (from another thread: close waits for the running batch)
        CompletableFuture<Void> closing = CompletableFuture.runAsync(batcher::close);

        // then the blocked submitter is refused at once, not after 30 s
        assertThatThrownBy(blocked.get(5, TimeUnit.SECONDS)::join)
                .hasCauseInstanceOf(BatcherClosedException.class);
        // and once the running batch ends, the queued item still runs and close returns
        gate.open();
        closing.get(10, TimeUnit.SECONDS);
        assertThat(running.join()).isEqualTo(Functions.mix(0));
        assertThat(queued.join()).isEqualTo(Functions.mix(1));
    }

    @Test
    void closeByTryWithResourcesDrainsSubmittedItems() throws Exception {
        // given items submitted inside a try-with-resources block
        List<CompletableFuture<Long>> futures;
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxWait(Duration.ofSeconds(30)), Functions::mixAll)) {
            futures = batcher.submitAll(List.of(5L, 6L));
        }

        // then leaving the block completed them
        assertThat(futures.get(0)).isCompletedWithValue(Functions.mix(5));
        assertThat(futures.get(1)).isCompletedWithValue(Functions.mix(6));
    }
}

package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A full queue pushes back on submitters instead of growing. */
@Timeout(20)
class BackPressureTest {

    /** One item at a time, two may wait; the first batch holds the worker until the gate opens. */
    private final BatcherSettings settings = BatcherSettings.defaults("pressure")
            .withMaxBatchSize(1).withQueueCapacity(2).withMaxWait(Duration.ZERO)
            .withOfferTimeout(Duration.ofMillis(100));
    private final Functions.Gate gate = new Functions.Gate();
    private final BatchFunction<Long, Long> heldOnFirst = batch -> {
        if (batch.contains(0L)) {
            gate.pass();
        }
        return Functions.mixAll(batch);
    };

    @Test
    void aFullQueueRefusesAfterTheOfferTimeoutAndTrySubmitRefusesAtOnce() throws Exception {
        BatcherStatistics stats = new BatcherStatistics();
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings, heldOnFirst, stats)) {
            // given one item running and the queue full behind it
            CompletableFuture<Long> running = batcher.submit(0L);
            gate.awaitEntered();
            List<CompletableFuture<Long>> queued = List.of(batcher.submit(1L), batcher.submit(2L));

            // when more items come
            long start = System.nanoTime();
            CompletableFuture<Long> blocked = batcher.submit(3L);
            long blockedMillis = (System.nanoTime() - start) / 1_000_000;
            CompletableFuture<Long> tried = batcher.trySubmit(4L);

            // then submit pushed back for its offer timeout and failed; trySubmit failed at once
            assertThat(blockedMillis).isBetween(100L, 3_000L);
            assertThatThrownBy(blocked::join).hasCauseInstanceOf(BatcherOverloadedException.class)
                    .hasMessageContaining("'pressure' is overloaded").hasMessageContaining("queue of 2 items");
            assertThatThrownBy(tried::join).hasCauseInstanceOf(BatcherOverloadedException.class);
            assertThat(batcher.queueDepth()).isEqualTo(2);
            assertThat(stats.rejectedOverloaded()).isEqualTo(2);

            // and once the model catches up, everything accepted completes
            gate.open();
            assertThat(running.get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(0));
            assertThat(queued.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(1));
            assertThat(queued.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(2));
        }
    }

    @Test
    void aBlockedSubmitterGetsInWhenSpaceFrees() throws Exception {
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withOfferTimeout(Duration.ofSeconds(10)), heldOnFirst)) {
            // given a full queue
            batcher.submit(0L);
            gate.awaitEntered();
            batcher.submit(1L);
            batcher.submit(2L);

            // when a submitter arrives it is held back
            CompletableFuture<CompletableFuture<Long>> submitting =
                    CompletableFuture.supplyAsync(() -> batcher.submit(3L));
            Thread.sleep(100);
            assertThat(submitting).isNotDone();

            // then it gets in as soon as the worker frees space, and its item succeeds
            gate.open();
            assertThat(submitting.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(3));
        }
    }

    @Test
    void theQueueNeverGrowsPastItsCapacityUnderLoad() throws Exception {
        // given a slow model (1 ms per batch of up to 4) and 4 threads offering far more than it can take
        BatchFunction<Long, Long> slow = batch -> {
            Thread.sleep(1);
            return Functions.mixAll(batch);
        };
        BatcherStatistics stats = new BatcherStatistics();
        AtomicInteger deepest = new AtomicInteger();
        List<CompletableFuture<Long>> accepted = new ArrayList<>();
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(4).withQueueCapacity(16), slow, stats)) {
            List<Thread> threads = new ArrayList<>();
            List<List<CompletableFuture<Long>>> perThread = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<CompletableFuture<Long>> mine = new ArrayList<>();
                perThread.add(mine);
                Thread thread = new Thread(() -> {
                    for (long x = 0; x < 2_000; x++) {
                        mine.add(batcher.trySubmit(x));
                        deepest.accumulateAndGet(batcher.queueDepth(), Math::max);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            perThread.forEach(accepted::addAll);
        }

        // then the queue stayed within bounds, the excess was refused, and what was accepted succeeded
        assertThat(deepest.get()).isLessThanOrEqualTo(16);
        assertThat(stats.deepestQueue()).isLessThanOrEqualTo(16);
        assertThat(stats.rejectedOverloaded()).isPositive();
        long succeeded = 0;
        for (CompletableFuture<Long> future : accepted) {
            try {
                future.get(5, TimeUnit.SECONDS);
                succeeded++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(BatcherOverloadedException.class);
            }
        }
        assertThat(succeeded + stats.rejectedOverloaded()).isEqualTo(8_000);
        assertThat(stats.items()).isEqualTo(succeeded);
    }

    @Test
    void anInterruptedSubmitterFailsItsItemAndKeepsItsInterruptFlag() throws Exception {
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withOfferTimeout(Duration.ofSeconds(10)), heldOnFirst)) {
            // given a full queue
            batcher.submit(0L);
            gate.awaitEntered();
            batcher.submit(1L);
            batcher.submit(2L);

            // when the thread blocked in submit is interrupted
            CompletableFuture<Boolean> flagAfter = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Long>> item = new CompletableFuture<>();
            Thread submitter = new Thread(() -> {
                item.complete(batcher.submit(3L));
                flagAfter.complete(Thread.currentThread().isInterrupted());
            });
            submitter.start();
            Thread.sleep(100);
            submitter.interrupt();

            // then its item failed with the interruption, and the flag is set again
            assertThat(flagAfter.get(5, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(item.get()::join).hasCauseInstanceOf(InterruptedException.class);
            gate.open();
        }
    }
}

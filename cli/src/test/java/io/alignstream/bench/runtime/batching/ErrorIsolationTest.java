package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An error in one item fails that item only. */
@Timeout(20)
class ErrorIsolationTest {

    /** Batches of exactly 8: the size trigger fires long before the wait. */
    private final BatcherSettings settings = BatcherSettings.defaults("errors")
            .withMaxBatchSize(8).withMaxWait(Duration.ofSeconds(30));
    private final AtomicInteger calls = new AtomicInteger();
    private final BatchFunction<Long, Long> refusingNegatives = batch -> {
        calls.incrementAndGet();
        return Functions.mixRefusingNegatives(batch);
    };

    /** Items 0..7, with the given positions made negative (poisoned). */
    private static List<Long> batchWithPoisonAt(int... positions) {
        return IntStream.range(0, 8).mapToObj(i -> {
            boolean poisoned = IntStream.of(positions).anyMatch(p -> p == i);
            return poisoned ? -1L - i : (long) i;
        }).toList();
    }

    private List<CompletableFuture<Long>> runOneBatch(ErrorIsolation isolation, List<Long> inputs,
            BatcherStatistics stats) throws Exception {
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withIsolation(isolation),
                refusingNegatives, stats)) {
            List<CompletableFuture<Long>> futures = batcher.submitAll(inputs);
            BatchFutures.awaitAll(futures, Duration.ofSeconds(10));
            return futures;
        }
    }

    @Test
    void bisectionFailsThePoisonedItemAloneWithItsOwnError() throws Exception {
        // given a batch of 8 with one poisoned item
        BatcherStatistics stats = new BatcherStatistics();

        // when it runs
        List<CompletableFuture<Long>> futures = runOneBatch(ErrorIsolation.BISECT, batchWithPoisonAt(5), stats);

        // then the other 7 have their right outputs and only the poisoned one failed, with its error
        for (int i = 0; i < 8; i++) {
            if (i == 5) {
                assertThatThrownBy(futures.get(i)::join).hasCauseInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("poison: -6");
            } else {
                assertThat(futures.get(i).join()).isEqualTo(Functions.mix(i));
            }
        }
        // at the documented cost: 1 failed call + 2 per halving level (log2 8 = 3)
        assertThat(calls.get()).isEqualTo(7);
        assertThat(stats.batches()).isEqualTo(1);
        assertThat(stats.functionCalls()).isEqualTo(7);
        assertThat(stats.failedItems()).isEqualTo(1);
    }

    @Test
    void bisectionHandlesSeveralPoisonedItems() throws Exception {
        // when a batch holds two poisoned items in different halves
        List<CompletableFuture<Long>> futures = runOneBatch(ErrorIsolation.BISECT, batchWithPoisonAt(0, 7),
                new BatcherStatistics());

        // then exactly those two fail
        assertThat(IntStream.range(0, 8).filter(i -> futures.get(i).isCompletedExceptionally()))
                .containsExactly(0, 7);
        assertThat(futures.get(3).join()).isEqualTo(Functions.mix(3));
    }

    @Test
    void oneAtATimeRetriesEveryItemOnItsOwn() throws Exception {
        // when the batch is isolated one item at a time
        List<CompletableFuture<Long>> futures = runOneBatch(ErrorIsolation.ONE_AT_A_TIME, batchWithPoisonAt(2),
                new BatcherStatistics());

        // then the result is the same, at 1 + 8 calls
        assertThat(IntStream.range(0, 8).filter(i -> futures.get(i).isCompletedExceptionally())).containsExactly(2);
        assertThat(futures.get(1).join()).isEqualTo(Functions.mix(1));
        assertThat(calls.get()).isEqualTo(9);
    }

    @Test
    void noIsolationFailsTheWholeBatchWithItsError() throws Exception {
        // when isolation is off
        List<CompletableFuture<Long>> futures = runOneBatch(ErrorIsolation.NONE, batchWithPoisonAt(2),
                new BatcherStatistics());

        // then every item carries the batch's error, after a single call
        assertThat(futures).allSatisfy(future -> assertThatThrownBy(future::join)
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("poison: -3"));
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void perItemFailuresFromTheFunctionFailOnlyThoseItemsWithoutRetry() throws Exception {
        // given a function that reports its own per-item failures
        BatchOutcomeFunction<Long, Long> outcomes = batch -> {
            calls.incrementAndGet();
            return batch.stream().map(x -> x < 0
                    ? Outcome.<Long>failure(new IllegalArgumentException("bad item " + x))
                    : Outcome.success(Functions.mix(x))).toList();
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.createWithOutcomes(settings, outcomes,
                BatcherObserver.NONE)) {
            // when a batch with one bad item runs
            List<CompletableFuture<Long>> futures = batcher.submitAll(batchWithPoisonAt(4));
            BatchFutures.awaitAll(futures, Duration.ofSeconds(10));

            // then that item alone failed, in one call
            assertThatThrownBy(futures.get(4)::join).hasMessageContaining("bad item -5");
            assertThat(futures.get(3).join()).isEqualTo(Functions.mix(3));
            assertThat(calls.get()).isEqualTo(1);
        }
    }

    @Test
    void aFunctionReturningTheWrongNumberOfOutputsFailsWithAClearMessage() throws Exception {
        // given a function that drops its last output
        BatchFunction<Long, Long> dropsOne = batch -> Functions.mixAll(batch).subList(0, batch.size() - 1);
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(2), dropsOne)) {
            // when a batch of two runs
            List<CompletableFuture<Long>> futures = batcher.submitAll(List.of(1L, 2L));
            BatchFutures.awaitAll(futures, Duration.ofSeconds(10));

            // then each item fails saying what went wrong
            assertThat(futures).allSatisfy(future -> assertThatThrownBy(future::join)
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("returned 0 results for 1 inputs"));
        }
    }

    @Test
    void aVirtualMachineErrorFailsTheBatchWithoutRetriesAndTheWorkerCarriesOn() throws Exception {
        // given a function that runs out of memory once
        AtomicInteger left = new AtomicInteger(1);
        BatchFunction<Long, Long> oomOnce = batch -> {
            calls.incrementAndGet();
            if (left.getAndDecrement() > 0) {
                throw new OutOfMemoryError("simulated");
            }
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(2), oomOnce)) {
            // when a batch hits it
            List<CompletableFuture<Long>> failed = batcher.submitAll(List.of(1L, 2L));
            BatchFutures.awaitAll(failed, Duration.ofSeconds(10));

            // then the whole batch failed in one call, and the next batch succeeds
            assertThat(failed).allSatisfy(future -> assertThatThrownBy(future::join)
                    .hasCauseInstanceOf(OutOfMemoryError.class));
            assertThat(calls.get()).isEqualTo(1);
            List<CompletableFuture<Long>> next = batcher.submitAll(List.of(3L, 4L));
            assertThat(next.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(4));
        }
    }
}

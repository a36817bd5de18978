package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The synchronous path for callers that already hold a list. */
@Timeout(20)
class ComputeAllTest {

    private final BatcherSettings settings = BatcherSettings.defaults("all")
            .withMaxBatchSize(16).withMaxWait(Duration.ofSeconds(30));

    @Test
    void aListIsComputedInChunksOfTheMaxBatchSizeWithoutWaiting() throws Exception {
        // given 100 inputs and a function that records its batch sizes
        List<Long> inputs = LongStream.range(0, 100).boxed().toList();
        ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
        BatchFunction<Long, Long> mix = batch -> {
            sizes.add(batch.size());
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings, mix)) {
            // when they are computed together
            long start = System.nanoTime();
            List<Long> outputs = batcher.computeAll(inputs);
            long millis = (System.nanoTime() - start) / 1_000_000;

            // then the outputs are the one-at-a-time ones, in order, from chunks of at most 16,
            // and the 30 s wait for a fuller batch was never paid
            assertThat(outputs).isEqualTo(Functions.mixAll(inputs));
            assertThat(sizes).containsExactly(16, 16, 16, 16, 16, 16, 4);
            assertThat(millis).isLessThan(10_000);
        }
    }

    @Test
    void failedItemsAreReportedWithEveryOutcomeKept() throws Exception {
        // given a list with one poisoned item
        List<Long> inputs = List.of(1L, 2L, -3L, 4L);
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings,
                Functions::mixRefusingNegatives)) {
            // when it is computed
            BatchFailedException failure = catchThrowableOfType(
                    () -> batcher.computeAll(inputs), BatchFailedException.class);

            // then the exception names the failed index and keeps the others' outputs
            assertThat(failure).hasMessageContaining("1 of 4 items failed").hasMessageContaining("index 2")
                    .hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(failure.failedIndices()).containsExactly(2);
            assertThat(failure.outcomes().get(3)).isEqualTo(Outcome.success(Functions.mix(4)));
            // and the outcome form returns the same without throwing
            List<Outcome<Long>> outcomes = batcher.computeAllOutcomes(inputs);
            assertThat(outcomes.get(0)).isEqualTo(Outcome.success(Functions.mix(1)));
            assertThat(outcomes.get(2).isSuccess()).isFalse();
        }
    }

    @Test
    void queuedItemsAreNotStarvedByComputeAll() throws Exception {
        // given one item that has waited out its max wait while a long list is being computed
        ConcurrentLinkedQueue<List<Long>> batches = new ConcurrentLinkedQueue<>();
        BatchFunction<Long, Long> slow = batch -> {
            batches.add(List.copyOf(batch));
            Thread.sleep(20);
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxWait(Duration.ofMillis(10)), slow)) {
            var lone = batcher.submit(-1L);
            List<Long> outputs = batcher.computeAll(LongStream.range(0, 16 * 10).boxed().toList());

            // then the lone item ran before the list was done, not after all of it
            assertThat(outputs).hasSize(160);
            assertThat(lone).isCompletedWithValue(Functions.mix(-1));
            List<List<Long>> order = List.copyOf(batches);
            int loneAt = order.indexOf(List.of(-1L));
            assertThat(loneAt).isBetween(0, 2);
        }
    }

    @Test
    void computeAllOnAClosedBatcherIsRefused() {
        DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings, Functions::mixAll);
        batcher.close();
        assertThatThrownBy(() -> batcher.computeAll(List.of(1L))).isInstanceOf(BatcherClosedException.class);
    }
}

package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a stream thread uses to have every result before it commits. */
@Timeout(20)
class PendingResultsTest {

    private final PendingResults<String, Integer> pending = new PendingResults<>(3);

    @Test
    void awaitAllHandsBackEveryItemInSubmissionOrderWithFailuresAsOutcomes() throws Exception {
        // given three records in flight, one of which will fail
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        CompletableFuture<Integer> c = new CompletableFuture<>();
        pending.add("a", a);
        pending.add("b", b);
        pending.add("c", c);
        CompletableFuture.runAsync(() -> {
            c.complete(3);
            b.completeExceptionally(new IllegalArgumentException("bad image"));
            a.complete(1);
        });

        // when the thread waits for all before its commit
        List<PendingResults.Completed<String, Integer>> done = pending.awaitAll(Duration.ofSeconds(5));

        // then it gets them in submission order, the failure as an outcome
        assertThat(done).extracting(PendingResults.Completed::context).containsExactly("a", "b", "c");
        assertThat(done.get(0).outcome()).isEqualTo(Outcome.success(1));
        assertThat(((Outcome.Failure<Integer>) done.get(1).outcome()).error()).hasMessage("bad image");
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void awaitAllTimesOutWithoutLosingPendingItems() {
        // given an item that never completes
        pending.add("stuck", new CompletableFuture<>());
        pending.add("done", CompletableFuture.completedFuture(2));

        // then the wait fails after its timeout, saying how many are pending, and keeps them
        assertThatThrownBy(() -> pending.awaitAll(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("1 of 2 items were still pending");
        assertThat(pending.size()).isEqualTo(2);
    }

    @Test
    void drainCompletedStopsAtTheFirstPendingItemToKeepOrder() {
        // given done, pending, done
        CompletableFuture<Integer> middle = new CompletableFuture<>();
        pending.add("first", CompletableFuture.completedFuture(1));
        pending.add("middle", middle);
        pending.add("last", CompletableFuture.completedFuture(3));

        // then only the head comes out, and the rest once the middle is done
        assertThat(pending.drainCompleted()).extracting(PendingResults.Completed::context).containsExactly("first");
        middle.complete(2);
        assertThat(pending.drainCompleted()).extracting(PendingResults.Completed::context)
                .containsExactly("middle", "last");
    }

    @Test
    void itIsBoundedSoTheOwnerMustDrain() {
        pending.add("1", new CompletableFuture<>());
        pending.add("2", new CompletableFuture<>());
        pending.add("3", new CompletableFuture<>());
        assertThat(pending.isFull()).isTrue();
        assertThatThrownBy(() -> pending.add("4", new CompletableFuture<>()))
                .hasMessageContaining("already 3 results pending");
    }

    @Test
    void cancelAllCancelsAndForgets() {
        CompletableFuture<Integer> future = new CompletableFuture<>();
        pending.add("x", future);
        pending.cancelAll();
        assertThat(future).isCancelled();
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void awaitAllOnFuturesFromABatcher() throws Exception {
        // given a stream thread's several submits
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                BatcherSettings.defaults("stream").withMaxWait(Duration.ofMillis(5)), Functions::mixRefusingNegatives)) {
            List<CompletableFuture<Long>> futures = batcher.submitAll(List.of(1L, -2L, 3L));

            // when it waits for all of them
            List<Outcome<Long>> outcomes = BatchFutures.awaitAll(futures, Duration.ofSeconds(5));

            // then each has its own outcome
            assertThat(outcomes.get(0)).isEqualTo(Outcome.success(Functions.mix(1)));
            assertThat(outcomes.get(1).isSuccess()).isFalse();
            assertThat(outcomes.get(2).getOrThrow()).isEqualTo(Functions.mix(3));
        }
    }
}

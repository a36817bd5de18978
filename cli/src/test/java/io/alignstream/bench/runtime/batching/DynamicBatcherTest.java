package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Results, batch formation and the two triggers (size, oldest wait). */
@Timeout(20)
class DynamicBatcherTest {

    private final BatcherSettings settings = BatcherSettings.defaults("test");

    @Test
    void manyThreadsGetExactlyWhatOneAtATimeGivesAndBatchesForm() throws Exception {
        // given the long captions of 400 synthetic scenes, split into CLIPS sub-captions by a
        // whitespace token count (a deterministic text function over the project's real data)
        SyntheticWorld world = new SyntheticWorld(11);
        List<String> captions = LongStream.range(0, 400)
                .mapToObj(i -> world.sample(Split.TRAIN, i).longCaption().text()).toList();
        SubCaptionSplitter splitter = new SubCaptionSplitter(text -> text.split("\\s+").length, 12);
        List<List<String>> oneAtATime = captions.stream().map(splitter::chunks).toList();
        BatcherStatistics stats = new BatcherStatistics();
        BatchFunction<String, List<String>> split = batch -> batch.stream().map(splitter::chunks).toList();

        // when 8 threads submit 50 captions each, all at once
        List<CompletableFuture<List<String>>> futures = new ArrayList<>();
        try (DynamicBatcher<String, List<String>> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(16).withMaxWait(Duration.ofMillis(20)), split, stats)) {
            ExecutorService submitters = Executors.newFixedThreadPool(8);
            CyclicBarrier start = new CyclicBarrier(8);
            List<Future<List<CompletableFuture<List<String>>>>> perThread = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                List<String> mine = captions.subList(t * 50, (t + 1) * 50);
                perThread.add(submitters.submit(() -> {
                    start.await();
                    return mine.stream().map(batcher::submit).toList();
                }));
            }
            for (Future<List<CompletableFuture<List<String>>>> f : perThread) {
                futures.addAll(f.get(10, TimeUnit.SECONDS));
            }
            submitters.shutdown();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        }

        // then every caption got exactly its own one-at-a-time result
        assertThat(futures.stream().map(CompletableFuture::join).toList()).isEqualTo(oneAtATime);
        // and real batches formed, none above the maximum
        assertThat(stats.batchesOfMoreThanOne()).isPositive();
        assertThat(stats.largestBatch()).isBetween(2, 16);
        assertThat(stats.items()).isEqualTo(400);
        assertThat(stats.queueWait().count()).isEqualTo(400);
    }

    @Test
    void maxBatchSizeIsNeverExceededAndFullBatchesForm() throws Exception {
        // given a worker held inside its first batch while 4 threads queue 100 items each
        Functions.Gate gate = new Functions.Gate();
        ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
        BatchFunction<Long, Long> mix = batch -> {
            sizes.add(batch.size());
            if (batch.contains(-1L)) {
                gate.pass();
            }
            return Functions.mixAll(batch);
        };
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(8).withMaxWait(Duration.ofSeconds(30)).withQueueCapacity(1000), mix)) {
            CompletableFuture<Long> first = batcher.trySubmit(-1L);
            batcher.submitAll(List.of(-2L, -3L, -4L, -5L, -6L, -7L, -8L)); // fills the first batch
            gate.awaitEntered();
            List<List<CompletableFuture<Long>>> perThread = new ArrayList<>();
            Thread[] threads = new Thread[4];
            for (int t = 0; t < 4; t++) {
                List<CompletableFuture<Long>> mine = new ArrayList<>();
                perThread.add(mine);
                long base = t * 100L;
                threads[t] = new Thread(() -> LongStream.range(base, base + 100)
                        .forEach(x -> mine.add(batcher.submit(x))));
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join();
            }

            // when the worker is let go
            gate.open();
            perThread.forEach(futures::addAll);
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(-1));
        }

        // then the 400 queued items ran in 50 full batches of 8, none larger
        assertThat(sizes).hasSize(51).containsOnly(8);
        assertThat(futures).hasSize(400).allSatisfy(future -> assertThat(future).isCompleted());
    }

    @Test
    void aLoneItemIsReleasedAfterAboutMaxWait() throws Exception {
        // given a batcher that waits up to 150 ms for a batch of 8 to fill
        BatcherStatistics stats = new BatcherStatistics();
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(8).withMaxWait(Duration.ofMillis(150)), Functions::mixAll, stats)) {
            // when one item comes alone
            long start = System.nanoTime();
            long result = batcher.submit(7L).get(5, TimeUnit.SECONDS);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            // then it runs alone once its wait is up: not before, and not much after
            assertThat(result).isEqualTo(Functions.mix(7));
            assertThat(elapsedMillis).isBetween(150L, 3_000L);
            assertThat(stats.largestBatch()).isEqualTo(1);
            assertThat(stats.queueWait().summary().minNanos()).isGreaterThanOrEqualTo(150_000_000L);
        }
    }

    @Test
    void aFullBatchRunsWithoutWaitingForMaxWait() throws Exception {
        // given a batcher that would wait 30 s for a batch of 4
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(4).withMaxWait(Duration.ofSeconds(30)), Functions::mixAll)) {
            // when 4 items arrive
            List<CompletableFuture<Long>> futures = batcher.submitAll(List.of(1L, 2L, 3L, 4L));

            // then they run at once (the 10 s bound only guards against the 30 s wait)
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(futures.stream().map(CompletableFuture::join))
                    .containsExactly(Functions.mix(1), Functions.mix(2), Functions.mix(3), Functions.mix(4));
        }
    }

    @Test
    void waitIsMeasuredFromTheOldestItemNotTheNewest() throws Exception {
        // given a batcher waiting 300 ms, and an item that has already waited 200 ms
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(8).withMaxWait(Duration.ofMillis(300)), Functions::mixAll)) {
            long start = System.nanoTime();
            CompletableFuture<Long> old = batcher.submit(1L);
            Thread.sleep(200);

            // when a second item arrives
            CompletableFuture<Long> young = batcher.submit(2L);

            // then both leave together when the oldest's wait is up, well before 200 + 300 ms
            young.get(5, TimeUnit.SECONDS);
            assertThat(old).isCompleted();
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMillis).isBetween(300L, 3_000L);
        }
    }

    @Test
    void zeroMaxWaitRunsWhateverIsWaiting() throws Exception {
        // given no wait at all
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxWait(Duration.ZERO), Functions::mixAll)) {
            // then a lone item runs at once
            assertThat(batcher.submit(5L).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(5));
        }
    }

    @Test
    void severalWorkersRunBatchesConcurrently() throws Exception {
        // given a function that completes only when two calls are inside it at once
        CyclicBarrier bothInside = new CyclicBarrier(2);
        BatchFunction<Long, Long> meet = batch -> {
            bothInside.await(5, TimeUnit.SECONDS);
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(1).withWorkers(2), meet)) {
            // when two items are submitted
            CompletableFuture<Long> a = batcher.submit(1L);
            CompletableFuture<Long> b = batcher.submit(2L);

            // then both succeed, which needs two workers
            assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(Functions.mix(1));
            assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(Functions.mix(2));
        }
    }

    @Test
    void aCancelledItemIsNotComputed() throws Exception {
        // given a worker held in a batch, and a second item queued behind it
        Functions.Gate gate = new Functions.Gate();
        ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
        BatchFunction<Long, Long> held = batch -> {
            seen.addAll(batch);
            if (batch.contains(1L)) {
                gate.pass();
            }
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxBatchSize(1).withMaxWait(Duration.ZERO), held)) {
            CompletableFuture<Long> running = batcher.submit(1L);
            gate.awaitEntered();
            CompletableFuture<Long> queued = batcher.submit(2L);
            CompletableFuture<Long> after = batcher.submit(3L);

            // when the queued one is cancelled and the worker goes on
            queued.cancel(false);
            gate.open();

            // then the cancelled item never reached the function
            assertThat(after.get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(3));
            assertThat(running.get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(1));
            assertThat(seen).containsExactly(1L, 3L);
        }
    }

    @Test
    void anObserverThatThrowsDoesNotBreakTheBatcher() throws Exception {
        // given an observer failing on every call
        BatcherObserver broken = new BatcherObserver() {
            @Override
            public void onBatchStarted(int batchSize, int queueDepth) {
                throw new IllegalStateException("observer bug");
            }

            @Override
            public void onBatchCompleted(int batchSize, long computeNanos, int failedItems, int calls) {
                throw new IllegalStateException("observer bug");
            }
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                settings.withMaxWait(Duration.ZERO), Functions::mixAll, broken)) {
            // then results still arrive
            assertThat(batcher.submit(9L).get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(9));
        }
    }

    @Test
    void theObserverSeesEveryBatchBeforeItsCallersDo() throws Exception {
        // given an observer composed of two statistics
        BatcherStatistics first = new BatcherStatistics();
        BatcherStatistics second = new BatcherStatistics();
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(4)
                .withMaxWait(Duration.ofSeconds(30)), Functions::mixAll, BatcherObserver.compose(first, second))) {
            // when one full batch completes
            List<CompletableFuture<Long>> futures = batcher.submitAll(List.of(1L, 2L, 3L, 4L));
            BatchFutures.awaitAll(futures, Duration.ofSeconds(5));

            // then both recorded it already: size, waits, compute time, calls
            for (BatcherStatistics stats : List.of(first, second)) {
                assertThat(stats.batches()).isEqualTo(1);
                assertThat(stats.items()).isEqualTo(4);
                assertThat(stats.queueWait().count()).isEqualTo(4);
                assertThat(stats.compute().count()).isEqualTo(1);
                assertThat(stats.functionCalls()).isEqualTo(1);
                assertThat(stats.failedItems()).isZero();
            }
        }
    }

    @Test
    void aWorkerSubmittingToItsOwnFullQueueIsRefusedInsteadOfDeadlocking() throws Exception {
        // given a full queue, and a callback on the worker thread that submits again
        Functions.Gate gate = new Functions.Gate();
        BatchFunction<Long, Long> held = batch -> {
            if (batch.contains(1L)) {
                gate.pass();
            }
            return Functions.mixAll(batch);
        };
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings.withMaxBatchSize(1)
                .withQueueCapacity(1).withMaxWait(Duration.ZERO).withOfferTimeout(Duration.ofSeconds(30)), held)) {
            CompletableFuture<CompletableFuture<Long>> resubmitted = batcher.submit(1L)
                    .thenApply(value -> batcher.submit(value));
            gate.awaitEntered();
            CompletableFuture<Long> filler = batcher.submit(2L);

            // when the worker finishes item 1 while the queue holds item 2
            gate.open();

            // then the worker's own submit did not block for 30 s; it was accepted or refused at once
            CompletableFuture<Long> inner = resubmitted.get(5, TimeUnit.SECONDS);
            try {
                inner.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(BatcherOverloadedException.class);
            }
            assertThat(filler.get(5, TimeUnit.SECONDS)).isEqualTo(Functions.mix(2));
        }
    }
}

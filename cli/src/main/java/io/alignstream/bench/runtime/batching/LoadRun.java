package io.alignstream.bench.runtime.batching;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Measurement helpers shared by the benchmarks: drive a batcher (or a bare batch function)
 * with a known load and report items per second and latency percentiles.
 */
public final class LoadRun {

    /**
     * What a run measured.
     *
     * @param items    items attempted
     * @param failures items whose future failed (rejections included)
     * @param seconds  wall time from the first submit to the last result
     * @param latency  per item: from just before its submit to its result being seen by its
     *                 client thread (for {@link #direct}: per call)
     */
    public record Result(long items, long failures, double seconds, LatencySummary latency) {

        public double itemsPerSecond() {
            return seconds == 0 ? 0 : items / seconds;
        }

        /** Wall time per item in nanoseconds: the inverse of the throughput. */
        public double nanosPerItem() {
            return items == 0 ? 0 : seconds * 1e9 / items;
        }
    }

    private LoadRun() {
    }

    /**
     * A closed-loop load: {@code clients} threads, each submitting {@code window} items, waiting
     * for all of them, and starting again, until {@code items} items in all have completed.
     * With {@code clients · window} at least twice the batch size, a batch can form while the
     * previous one runs, so the worker is never starved.
     *
     * @param input makes the item with a given index (0 to items - 1)
     */
    public static <I> Result closedLoop(DynamicBatcher<I, ?> batcher, LongFunction<? extends I> input, int clients,
            int window, long items) throws InterruptedException {
        Objects.requireNonNull(batcher, "batcher");
        if (clients < 1 || window < 1 || items < 0) {
            throw new IllegalArgumentException("clients and window must be positive, items non-negative");
        }
        LatencyRecorder latency = new LatencyRecorder();
        AtomicLong failures = new AtomicLong();
        AtomicLong nextIndex = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            Thread thread = new Thread(() -> {
                long[] started = new long[window];
                List<CompletableFuture<?>> inFlight = new ArrayList<>(window);
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (true) {
                    inFlight.clear();
                    for (int k = 0; k < window; k++) {
                        long index = nextIndex.getAndIncrement();
                        if (index >= items) {
                            break;
                        }
                        started[k] = System.nanoTime();
                        inFlight.add(batcher.submit(input.apply(index)));
                    }
                    if (inFlight.isEmpty()) {
                        return;
                    }
                    for (int k = 0; k < inFlight.size(); k++) {
                        try {
                            inFlight.get(k).join();
                        } catch (CompletionException | CancellationException e) {
                            failures.incrementAndGet();
                        }
                        latency.recordSince(started[k]);
                    }
                }
            }, batcher.settings().name() + "-client-" + c);
            threads.add(thread);
            thread.start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(items, failures.get(), seconds, latency.summary());
    }

    /**
     * The function alone on one thread, with no batcher: {@code items} items in calls of
     * {@code batchSize}. Latency is per call.
     */
    public static <I, O> Result direct(BatchFunction<I, O> function, LongFunction<? extends I> input, int batchSize,
            long items) throws Exception {
        LatencyRecorder latency = new LatencyRecorder();
        long failures = 0;
        List<I> batch = new ArrayList<>(batchSize);
        long start = System.nanoTime();
        for (long index = 0; index < items; ) {
            batch.clear();
            for (int k = 0; k < batchSize && index < items; k++, index++) {
                batch.add(input.apply(index));
            }
            long callStart = System.nanoTime();
            try {
                List<O> out = function.apply(List.copyOf(batch));
                if (out.size() != batch.size()) {
                    failures += batch.size();
                }
            } catch (RuntimeException e) {
                failures += batch.size();
            }
            latency.recordSince(callStart);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(items, failures, seconds, latency.summary());
    }
}

package io.alignstream.bench.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Times a batch function the way the service calls its models: items cut into calls of one
 * batch size, one after another on one thread (docs/batching-in-streams.md), with items per
 * second and per-call latency percentiles.
 */
public final class LoadRun {

    /**
     * What a run measured.
     *
     * @param items    items attempted
     * @param failures items whose call failed or returned the wrong number of outputs
     * @param seconds  wall time from the first call to the last result
     * @param latency  per call
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
     * {@code items} items in calls of {@code batchSize} on this thread. Latency is per call.
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

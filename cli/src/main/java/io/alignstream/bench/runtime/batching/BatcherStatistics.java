package io.alignstream.bench.runtime.batching;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An observer that keeps running totals and latency histograms in memory: what tests and
 * benchmarks check, and a reference for a Prometheus observer (which would feed histograms and
 * counters from the same callbacks). Thread-safe; constant memory.
 */
public final class BatcherStatistics implements BatcherObserver {

    private final LongAdder batches = new LongAdder();
    private final LongAdder items = new LongAdder();
    private final LongAdder batchesOfMoreThanOne = new LongAdder();
    private final LongAdder failedItems = new LongAdder();
    private final LongAdder functionCalls = new LongAdder();
    private final LongAdder overloaded = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final AtomicInteger largestBatch = new AtomicInteger();
    private final AtomicInteger deepestQueue = new AtomicInteger();
    private final LatencyRecorder queueWait = new LatencyRecorder();
    private final LatencyRecorder compute = new LatencyRecorder();

    @Override
    public void onBatchStarted(int batchSize, int queueDepth) {
        batches.increment();
        items.add(batchSize);
        if (batchSize > 1) {
            batchesOfMoreThanOne.increment();
        }
        largestBatch.accumulateAndGet(batchSize, Math::max);
        deepestQueue.accumulateAndGet(queueDepth, Math::max);
    }

    @Override
    public void onQueueWait(long waitNanos) {
        queueWait.record(Math.max(0, waitNanos));
    }

    @Override
    public void onBatchCompleted(int batchSize, long computeNanos, int failed, int calls) {
        compute.record(Math.max(0, computeNanos));
        failedItems.add(failed);
        functionCalls.add(calls);
    }

    @Override
    public void onRejected(Rejection reason) {
        (reason == Rejection.OVERLOADED ? overloaded : closed).increment();
    }

    /** Batches started. */
    public long batches() {
        return batches.sum();
    }

    /** Items in started batches. */
    public long items() {
        return items.sum();
    }

    public long batchesOfMoreThanOne() {
        return batchesOfMoreThanOne.sum();
    }

    public double meanBatchSize() {
        long b = batches.sum();
        return b == 0 ? 0 : (double) items.sum() / b;
    }

    public int largestBatch() {
        return largestBatch.get();
    }

    /** The most items seen waiting right after a batch was taken. */
    public int deepestQueue() {
        return deepestQueue.get();
    }

    public long failedItems() {
        return failedItems.sum();
    }

    /** Calls of the batch function; more than {@link #batches()} when failures were isolated. */
    public long functionCalls() {
        return functionCalls.sum();
    }

    public long rejectedOverloaded() {
        return overloaded.sum();
    }

    public long rejectedClosed() {
        return closed.sum();
    }

    /** Time items spent queued before their batch started. */
    public LatencyRecorder queueWait() {
        return queueWait;
    }

    /** Time per batch in the batch function. */
    public LatencyRecorder compute() {
        return compute;
    }
}

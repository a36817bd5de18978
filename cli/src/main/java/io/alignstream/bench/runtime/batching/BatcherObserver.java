package io.alignstream.bench.runtime.batching;

import java.util.List;

/**
 * Hooks for metrics (batch-size, queue-wait and compute-time histograms, a queue-depth gauge,
 * a rejection counter). Every method has an empty default, so implement only what you record.
 *
 * <p>Called on the batcher's worker threads (batch events) and on submitting threads
 * (rejections), never under the batcher's lock. Keep them fast and non-blocking: a slow
 * observer slows the model. An observer that throws is logged and otherwise ignored.
 */
public interface BatcherObserver {

    /** Records nothing. */
    BatcherObserver NONE = new BatcherObserver() {
    };

    /** Why an item was refused before it was queued. */
    enum Rejection {
        /** The queue stayed full for the offer timeout. */
        OVERLOADED,
        /** The batcher was closed. */
        CLOSED
    }

    /**
     * A worker took a batch and is about to run it.
     *
     * @param batchSize  items in the batch (cancelled items already removed)
     * @param queueDepth items still waiting in the queue after this batch was taken
     */
    default void onBatchStarted(int batchSize, int queueDepth) {
    }

    /** One item's time from entering the queue to its batch starting; once per item. */
    default void onQueueWait(long waitNanos) {
    }

    /**
     * A batch finished; called just before its futures are completed, so a caller that has its
     * result also sees the batch counted.
     *
     * @param batchSize     items in the batch
     * @param computeNanos  wall time spent in the batch function, isolation retries included
     * @param failedItems   items that failed
     * @param functionCalls calls of the batch function: 1, or more when a failure was isolated
     */
    default void onBatchCompleted(int batchSize, long computeNanos, int failedItems, int functionCalls) {
    }

    /** An item was refused and its future failed. */
    default void onRejected(Rejection reason) {
    }

    /** All of these, in order. */
    static BatcherObserver compose(BatcherObserver... observers) {
        List<BatcherObserver> all = List.of(observers);
        return new BatcherObserver() {
            @Override
            public void onBatchStarted(int batchSize, int queueDepth) {
                all.forEach(o -> o.onBatchStarted(batchSize, queueDepth));
            }

            @Override
            public void onQueueWait(long waitNanos) {
                all.forEach(o -> o.onQueueWait(waitNanos));
            }

            @Override
            public void onBatchCompleted(int batchSize, long computeNanos, int failedItems, int functionCalls) {
                all.forEach(o -> o.onBatchCompleted(batchSize, computeNanos, failedItems, functionCalls));
            }

            @Override
            public void onRejected(Rejection reason) {
                all.forEach(o -> o.onRejected(reason));
            }
        };
    }
}

package io.alignstream.bench.runtime.batching;

/**
 * What the batcher does when the batch function throws for a whole batch, so that one bad
 * item does not fail the items that were merely batched with it.
 *
 * <p>Retrying means calling the batch function again on some of the same inputs, so the
 * function must be free of side effects (model inference is). A batch function that reports
 * per-item failures itself ({@link BatchOutcomeFunction}) never pays for isolation.
 */
public enum ErrorIsolation {
    /**
     * Split the failed batch in halves and retry each half, recursively, down to single items.
     * One bad item in a batch of {@code n} costs about {@code 2·log2(n)} extra calls touching
     * about {@code 2n} items in all; {@code k} bad items cost at most {@code 2n - 1} calls.
     * Cheap in calls, so best when a call has a fixed cost (a GPU launch, a session run).
     */
    BISECT,
    /**
     * Retry every item of the failed batch on its own: always {@code n} extra calls of size 1.
     * Touches fewer items than bisection when the per-call cost is negligible.
     */
    ONE_AT_A_TIME,
    /** No retry: every item of the batch fails with the batch's exception. */
    NONE
}

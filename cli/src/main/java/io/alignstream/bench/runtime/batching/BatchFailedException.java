package io.alignstream.bench.runtime.batching;

import java.util.List;

/**
 * Thrown by {@link DynamicBatcher#computeAll(List)} when some items failed. The outcomes of
 * all items, successes included, are kept so that nothing computed is lost.
 */
public final class BatchFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<? extends Outcome<?>> outcomes;
    private final List<Integer> failedIndices;

    BatchFailedException(String batcher, List<? extends Outcome<?>> outcomes, List<Integer> failedIndices) {
        super(message(batcher, outcomes, failedIndices), firstError(outcomes, failedIndices));
        this.outcomes = List.copyOf(outcomes);
        this.failedIndices = List.copyOf(failedIndices);
    }

    /** One outcome per input, in input order. */
    public List<? extends Outcome<?>> outcomes() {
        return outcomes;
    }

    /** Positions of the failed items in the input list, ascending. */
    public List<Integer> failedIndices() {
        return failedIndices;
    }

    private static Throwable firstError(List<? extends Outcome<?>> outcomes, List<Integer> failed) {
        return ((Outcome.Failure<?>) outcomes.get(failed.get(0))).error();
    }

    private static String message(String batcher, List<? extends Outcome<?>> outcomes, List<Integer> failed) {
        Throwable first = firstError(outcomes, failed);
        return failed.size() + " of " + outcomes.size() + " items failed in batcher '" + batcher
                + "'; the first, at index " + failed.get(0) + ": " + first;
    }
}

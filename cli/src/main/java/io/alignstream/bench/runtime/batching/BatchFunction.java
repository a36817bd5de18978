package io.alignstream.bench.runtime.batching;

import java.util.List;

/**
 * A computation over a batch: one output per input, in the same order (the shape of DJL's
 * {@code Predictor.batchPredict}). It must give each item the same output whatever else is in
 * its batch, and be free of side effects, because the batcher may call it again on parts of a
 * failed batch to isolate a bad item ({@link ErrorIsolation}).
 *
 * <p>Throwing fails the whole call; to fail single items without retries, implement
 * {@link BatchOutcomeFunction} instead.
 *
 * @param <I> input type
 * @param <O> output type
 */
@FunctionalInterface
public interface BatchFunction<I, O> {

    /**
     * @param inputs an unmodifiable, non-empty list, at most the batcher's maximum batch size
     * @return exactly one output per input, in input order
     */
    List<O> apply(List<I> inputs) throws Exception;

    /** This function with every output wrapped as a successful {@link Outcome}. */
    default BatchOutcomeFunction<I, O> asOutcomeFunction() {
        return inputs -> {
            List<O> outputs = apply(inputs);
            if (outputs == null) {
                throw new IllegalStateException("batch function returned null for "
                        + inputs.size() + " inputs");
            }
            return outputs.stream().map(Outcome::success).toList();
        };
    }
}

package io.alignstream.bench.runtime;

import java.util.List;

/**
 * A model call over a batch, as the benchmark times it: one output per input, in input order
 * (the shape of DJL's {@code Predictor.batchPredict} and of every head's batch method).
 *
 * @param <I> input type
 * @param <O> output type
 */
@FunctionalInterface
public interface BatchFunction<I, O> {

    /**
     * @param inputs an unmodifiable, non-empty list
     * @return exactly one output per input, in input order
     */
    List<O> apply(List<I> inputs) throws Exception;
}

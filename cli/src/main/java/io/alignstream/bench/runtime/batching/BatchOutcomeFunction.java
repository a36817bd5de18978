package io.alignstream.bench.runtime.batching;

import java.util.List;

/**
 * A batch computation that reports failures per item: one {@link Outcome} per input, in input
 * order. A {@link Outcome.Failure} fails that item alone, with no retry. Throwing still fails
 * the whole call, which the batcher then isolates as for a {@link BatchFunction}.
 *
 * <p>Use it when the function can tell which item is bad (for example a preprocessing step
 * that rejects one image), so that isolation by retry is never needed.
 *
 * @param <I> input type
 * @param <O> output type
 */
@FunctionalInterface
public interface BatchOutcomeFunction<I, O> {

    /**
     * @param inputs an unmodifiable, non-empty list, at most the batcher's maximum batch size
     * @return exactly one outcome per input, in input order
     */
    List<Outcome<O>> apply(List<I> inputs) throws Exception;
}

package io.alignstream.topology.embedding;

import io.alignstream.deadletter.DeadLetters;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a model head on a batch, timed for the stage's metrics; when the batch call throws, runs
 * each item alone so that only the items that fail alone are rejected (MODEL_ERROR). A batch
 * that fails pays n extra single calls; batches that succeed pay nothing (docs/batching.md
 * compares this with bisection).
 */
final class IsolatingCall {
    private static final Logger log = LoggerFactory.getLogger(IsolatingCall.class);

    private final PipelineMetrics metrics;

    IsolatingCall(PipelineMetrics metrics) {
        this.metrics = metrics;
    }

    <I, O> List<StageResult<O>> run(InferenceStage stage, List<I> inputs, Function<List<I>, List<O>> head) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        try {
            List<O> outputs = timed(stage, inputs, head);
            List<StageResult<O>> results = new ArrayList<>(outputs.size());
            outputs.forEach(output -> results.add(StageResult.done(output)));
            return results;
        } catch (RuntimeException batchError) {
            if (inputs.size() == 1) {
                return List.of(modelError(stage, batchError));
            }
            log.warn("{} batch of {} failed ({}); retrying its items one at a time", stage, inputs.size(),
                    DeadLetters.describe(batchError));
            List<StageResult<O>> results = new ArrayList<>(inputs.size());
            for (I input : inputs) {
                try {
                    results.add(StageResult.done(timed(stage, List.of(input), head).get(0)));
                } catch (RuntimeException itemError) {
                    results.add(modelError(stage, itemError));
                }
            }
            return results;
        }
    }

    private <I, O> List<O> timed(InferenceStage stage, List<I> inputs, Function<List<I>, List<O>> head) {
        long start = System.nanoTime();
        List<O> outputs = head.apply(inputs);
        metrics.batch(stage, inputs.size(), System.nanoTime() - start);
        if (outputs.size() != inputs.size()) {
            throw new IllegalStateException(stage + " returned " + outputs.size() + " results for " + inputs.size() + " inputs");
        }
        return outputs;
    }

    private static <O> StageResult<O> modelError(InferenceStage stage, RuntimeException error) {
        return StageResult.rejected(DeadLetterReason.MODEL_ERROR,
                stage.name().toLowerCase(java.util.Locale.ROOT) + " failed: " + DeadLetters.describe(error));
    }
}

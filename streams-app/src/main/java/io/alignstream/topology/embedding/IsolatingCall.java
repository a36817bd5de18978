package io.alignstream.topology.embedding;

import io.alignstream.deadletter.DeadLetters;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.faults.RetryBudget;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage's model head on a batch, timed for the stage's metrics, and tells the inputs'
 * faults from the model's.
 *
 * <p>When the batch call throws, each item runs alone. An item that fails alone is not yet judged:
 * the head is then probed with a known-good input (the last input this stage embedded, or before
 * any a built-in canary). While the probe fails it is the model's fault: the probe is retried with
 * backoff inside the retry budget; past the budget a
 * {@link io.alignstream.faults.ServiceFaultException} is thrown, so the task fails and resumes from
 * its last commit instead of dead-lettering good inputs. Once the probe answers, each failed item
 * runs alone once more, and only an item that fails again, right after a good probe, is rejected
 * (MODEL_ERROR): a model that fails a few calls and recovers costs no dead letter. A batch that succeeds pays nothing (docs/batching.md compares item-by-item
 * isolation with bisection). {@link Error}s are never caught: they are never an input's fault.
 */
final class IsolatingCall<I, O> {
    private static final Logger log = LoggerFactory.getLogger(IsolatingCall.class);

    private final InferenceStage stage;
    private final Function<List<I>, List<O>> head;
    private final Supplier<I> canary;
    private final PipelineMetrics metrics;
    private final RetryBudget retry;
    /** An input this stage embedded: the probe's first choice. */
    private I lastGood;

    /**
     * @param canary a known-good input, built without any input of the stream (a grey image, a short
     *               caption); it may call models to build it, and its failure counts as the probe's
     */
    IsolatingCall(InferenceStage stage, Function<List<I>, List<O>> head, Supplier<I> canary, PipelineMetrics metrics,
                  RetryBudget retry) {
        this.stage = stage;
        this.head = head;
        this.canary = canary;
        this.metrics = metrics;
        this.retry = retry;
    }

    /** {@link #run(List, long)} with a retry budget of its own, started now. */
    List<StageResult<O>> run(List<I> inputs) {
        return run(inputs, retry.start().deadlineNanos());
    }

    /**
     * @param deadlineNanos when retries of a model fault must end ({@link System#nanoTime()} terms): the
     *                      batch's one retry budget, shared by all its stages, so a batch stays inside its
     *                      transaction however many stages meet a fault
     */
    List<StageResult<O>> run(List<I> inputs, long deadlineNanos) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        RuntimeException batchError;
        try {
            return done(inputs, timed(inputs));
        } catch (RuntimeException e) {
            batchError = e;
        }
        List<StageResult<O>> results = isolate(inputs, batchError);
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (!(results.get(i) instanceof StageResult.Done<O>)) {
                failed.add(i);
            }
        }
        if (failed.isEmpty()) {
            return results;
        }
        awaitHealthyModel(failed.size(), inputs.size(), deadlineNanos);
        // The model has just answered a known-good input: an item that fails alone again is at fault.
        for (int i : failed) {
            results.set(i, alone(inputs.get(i)));
        }
        return results;
    }

    /**
     * Returns once the head answers a known-good input, retried with backoff until the batch's
     * deadline; past it, throws {@link io.alignstream.faults.ServiceFaultException}: the model is at
     * fault, not the inputs.
     */
    private void awaitHealthyModel(int failed, int of, long deadlineNanos) {
        RetryBudget.Attempts attempts = retry.startUntil(deadlineNanos);
        while (true) {
            RuntimeException last;
            try {
                probe();
                if (attempts.tries() > 1) {
                    log.info("{} model answers again after {} tries over {} ms", stage, attempts.tries(),
                            attempts.elapsed().toMillis());
                }
                return;
            } catch (RuntimeException probeError) {
                last = probeError;
            }
            if (attempts.tries() == 1) {
                log.warn("{} model failed on {} of {} inputs alone and on a known-good one ({}); retrying within {} ms",
                        stage, failed, of, DeadLetters.describe(last), attempts.remaining().toMillis());
            }
            if (!attempts.pause(null)) {
                throw attempts.giveUp("the " + name() + " model failed on " + failed + " of " + of
                        + " inputs and on a known-good input", last);
            }
        }
    }

    private void probe() {
        I known = lastGood != null ? lastGood : canary.get();
        timed(List.of(known));
        lastGood = known;
    }

    private List<StageResult<O>> done(List<I> inputs, List<O> outputs) {
        lastGood = inputs.get(0);
        List<StageResult<O>> results = new ArrayList<>(outputs.size());
        outputs.forEach(output -> results.add(StageResult.done(output)));
        return results;
    }

    /** Each item alone; a batch of one has already been run alone. */
    private List<StageResult<O>> isolate(List<I> inputs, RuntimeException batchError) {
        if (inputs.size() == 1) {
            return new ArrayList<>(List.of(modelError(batchError)));
        }
        log.warn("{} batch of {} failed ({}); retrying its items one at a time", stage, inputs.size(),
                DeadLetters.describe(batchError));
        List<StageResult<O>> results = new ArrayList<>(inputs.size());
        for (I input : inputs) {
            results.add(alone(input));
        }
        return results;
    }

    /** One input in a call of its own; a success makes it the probe's next known-good input. */
    private StageResult<O> alone(I input) {
        try {
            StageResult<O> done = StageResult.done(timed(List.of(input)).get(0));
            lastGood = input;
            return done;
        } catch (RuntimeException itemError) {
            return modelError(itemError);
        }
    }

    private List<O> timed(List<I> inputs) {
        long start = System.nanoTime();
        List<O> outputs = head.apply(inputs);
        metrics.batch(stage, inputs.size(), System.nanoTime() - start);
        if (outputs.size() != inputs.size()) {
            throw new IllegalStateException(stage + " returned " + outputs.size() + " results for " + inputs.size() + " inputs");
        }
        return outputs;
    }

    private String name() {
        return stage.name().toLowerCase(Locale.ROOT);
    }

    private StageResult<O> modelError(RuntimeException error) {
        return StageResult.rejected(DeadLetterReason.MODEL_ERROR, name() + " failed: " + DeadLetters.describe(error));
    }
}

package io.alignstream.topology.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.faults.RetryBudget;
import io.alignstream.faults.ServiceFaultException;
import io.alignstream.faults.TestFaults;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One model stage's call: a batch that fails is run item by item, items that fail alone wait for
 * the model to answer a known-good input, and only an item that fails again right after is
 * rejected (MODEL_ERROR). A model that stays down is the service's fault: a
 * {@link ServiceFaultException} after the retry budget, never a dead letter for good inputs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IsolatingCallTest {

    private static final String CANARY = "canary";
    /** A short budget so the "model stays down" case gives up quickly; still room for a few backoffs. */
    private static final Duration SHORT_BUDGET = Duration.ofMillis(400);
    /** How late a sleep may wake, and a failing call return, on a busy two-core build machine. */
    private static final Duration SCHEDULING_SLACK = Duration.ofMillis(100);

    /** A model head over strings: upper-cases each, failing as the test says; records every call. */
    private static final class Head implements Function<List<String>, List<String>> {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        private final Predicate<List<String>> fails;

        Head(Predicate<List<String>> fails) {
            this.fails = fails;
        }

        @Override
        public List<String> apply(List<String> inputs) {
            calls.add(List.copyOf(inputs));
            if (fails.test(inputs)) {
                throw new IllegalStateException("simulated model fault on " + inputs);
            }
            return inputs.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
        }

        long callsAlone(String input) {
            return calls.stream().filter(call -> call.equals(List.of(input))).count();
        }
    }

    /** A head whose first {@code n} calls fail, whatever they hold, and every later call answers. */
    private static Head failingFirst(int n) {
        int[] seen = {0};
        return new Head(inputs -> seen[0]++ < n);
    }

    private static IsolatingCall<String, String> call(Head head, Duration budget) {
        return new IsolatingCall<>(InferenceStage.VISION, head, () -> CANARY, PipelineMetrics.noop(), new RetryBudget(budget));
    }

    private static List<String> done(List<StageResult<String>> results) {
        return results.stream().filter(r -> r instanceof StageResult.Done<String>)
                .map(r -> ((StageResult.Done<String>) r).value()).toList();
    }

    private static List<StageResult.Rejected<String>> rejected(List<StageResult<String>> results) {
        return results.stream().filter(r -> r instanceof StageResult.Rejected<String>)
                .map(r -> (StageResult.Rejected<String>) r).toList();
    }

    @Test
    void givenAModelThatFailsAFewCallsThenRecovers_whenABatchRuns_thenEveryInputIsDoneAndNoneRejected() {
        // given two good inputs and a model that fails the batch call and each item alone (3 calls), then answers
        List<String> inputs = List.of("cat", "dog");
        int failingCalls = 1 + inputs.size();
        Head head = failingFirst(failingCalls);

        // when the batch runs
        List<StageResult<String>> results = call(head, TestFaults.TEST_RETRY_BUDGET).run(inputs);

        // then the probe answered, both items were run again alone and both are done, in order; nothing is rejected
        assertThat(done(results)).containsExactly("CAT", "DOG");
        assertThat(rejected(results)).isEmpty();
        assertThat(head.calls).contains(List.of(CANARY));
        assertThat(head.callsAlone("cat")).isEqualTo(2);
    }

    @Test
    void givenAModelWhoseProbeAlsoFailsForAWhile_whenABatchRuns_thenTheProbeIsRetriedAndNoInputIsRejected() {
        // given a model that fails the batch, each item alone, and then two probes, before it recovers
        List<String> inputs = List.of("cat", "dog");
        int failingProbes = 2;
        Head head = failingFirst(1 + inputs.size() + failingProbes);

        // when the batch runs with the test retry budget (room for a few backoffs)
        List<StageResult<String>> results = call(head, TestFaults.TEST_RETRY_BUDGET).run(inputs);

        // then the probe was tried until it answered, and every input is done
        assertThat(head.callsAlone(CANARY)).isEqualTo(failingProbes + 1);
        assertThat(done(results)).containsExactly("CAT", "DOG");
        assertThat(rejected(results)).isEmpty();
    }

    @Test
    void givenAModelThatAlwaysFails_whenABatchRuns_thenAServiceFaultIsThrownAfterTheBudgetAndNothingIsRejected() {
        // given a model that fails every call, and a short retry budget
        Head head = new Head(inputs -> true);
        IsolatingCall<String, String> call = call(head, SHORT_BUDGET);

        // when a batch of good inputs runs
        long start = System.nanoTime();
        ServiceFaultException thrown = assertThrows(ServiceFaultException.class, () -> call.run(List.of("cat", "dog")));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // then the task fails (it resumes from its last commit) instead of dead-lettering the inputs,
        // after the probe was retried for about the budget, with the model's last failure as the cause
        assertThat(thrown.tries()).isGreaterThan(1);
        assertThat(thrown.elapsed()).isLessThanOrEqualTo(SHORT_BUDGET.plus(SCHEDULING_SLACK));
        assertThat(took).isLessThanOrEqualTo(SHORT_BUDGET.plus(SCHEDULING_SLACK));
        assertThat(thrown.getCause()).isInstanceOf(IllegalStateException.class);
        assertThat(thrown.getMessage()).contains("vision", "2 of 2 inputs", "known-good");
        assertThat(head.callsAlone(CANARY)).isEqualTo(thrown.tries());
    }

    @Test
    void givenABatchWhoseRetryBudgetAnEarlierStageSpent_whenThisStageMeetsAModelFault_thenItGivesUpAtOnce() {
        // given a model that fails every call, in a batch whose one retry budget is already spent
        Head head = new Head(inputs -> true);
        IsolatingCall<String, String> call = call(head, SHORT_BUDGET);
        long spent = System.nanoTime();

        // when the stage runs with the batch's deadline
        ServiceFaultException thrown = assertThrows(ServiceFaultException.class, () -> call.run(List.of("cat", "dog"), spent));

        // then it probes once and gives up, instead of starting a budget of its own
        assertThat(thrown.tries()).isEqualTo(1);
        assertThat(head.callsAlone(CANARY)).isEqualTo(1);
    }

    @Test
    void givenOneInputTheModelAlwaysFailsOn_whenItRunsAmongGoodOnes_thenOnlyThatOneIsRejectedAsModelError() {
        // given a model that fails any call holding the poison input, and answers all others
        String poison = "poison";
        Head head = new Head(inputs -> inputs.contains(poison));

        // when a batch with the poison between two good inputs runs
        List<StageResult<String>> results = call(head, TestFaults.TEST_RETRY_BUDGET).run(List.of("cat", poison, "dog"));

        // then the good ones are done and exactly the poison is rejected, MODEL_ERROR, naming the stage
        assertThat(results.get(0)).isEqualTo(StageResult.done("CAT"));
        assertThat(results.get(2)).isEqualTo(StageResult.done("DOG"));
        assertThat(rejected(results)).singleElement().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(DeadLetterReason.MODEL_ERROR);
            assertThat(r.message()).startsWith("vision failed");
        });
        assertThat(results.get(1)).isInstanceOf(StageResult.Rejected.class);
        // and it was judged only after failing alone twice: once isolated, once right after a good probe
        assertThat(head.callsAlone(poison)).isEqualTo(2);
    }

    @Test
    void givenABatchOfOneThatFailsThenRecovers_whenItRuns_thenItIsDone() {
        // given one input and a model that fails its first call only
        Head head = failingFirst(1);

        // when it runs: the batch of one is already the item alone, so the probe comes next
        List<StageResult<String>> results = call(head, TestFaults.TEST_RETRY_BUDGET).run(List.of("cat"));

        // then it is done
        assertThat(done(results)).containsExactly("CAT");
    }

    @Test
    void givenAModelThatThrowsAnError_whenABatchRuns_thenTheErrorPropagatesAndNothingIsIsolated() {
        // given a model that runs out of memory
        Head head = new Head(inputs -> {
            throw new OutOfMemoryError("simulated: Java heap space");
        });

        // when a batch runs, then the Error propagates: it is never an input's fault
        assertThrows(OutOfMemoryError.class, () -> call(head, TestFaults.TEST_RETRY_BUDGET).run(List.of("cat", "dog")));
        // and no item was tried alone nor any probe made
        assertThat(head.calls).containsExactly(List.of("cat", "dog"));
    }

    @Test
    void givenAModelAnsweringTheWrongNumberOfResults_whenABatchRuns_thenItIsTreatedAsAModelFault() {
        // given a head that answers one result for any batch
        int[] calls = {0};
        Function<List<String>, List<String>> head = inputs -> {
            calls[0]++;
            return List.of("only one");
        };

        // when a batch of two runs: the batch is a model fault, and each item alone then answers
        List<StageResult<String>> results = new IsolatingCall<>(InferenceStage.VISION, head, () -> CANARY,
                PipelineMetrics.noop(), new RetryBudget(TestFaults.TEST_RETRY_BUDGET)).run(List.of("cat", "dog"));

        // then both are done from their single calls
        assertThat(results).containsExactly(StageResult.done("only one"), StageResult.done("only one"));
        assertThat(calls[0]).isEqualTo(3);
    }
}

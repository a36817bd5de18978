package io.alignstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Sequences of stream-thread failures, on a clock the test moves, and the liveness verdict after each. */
class CrashLoopDetectorTest {
    private static final int TASK_FAILURES_MAX = 3;
    private static final int REPLACEMENTS_MAX = 5;
    private static final Duration WINDOW = Duration.ofMinutes(10);
    /** A crash loop's cycle: the thread replaced, the task reassigned, the same record read again. */
    private static final Duration LOOP = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final CrashLoopDetector detector = new CrashLoopDetector(
            new LivenessSettings(TASK_FAILURES_MAX, REPLACEMENTS_MAX, WINDOW), registry, clock);

    /** What Kafka Streams hands the handler when a processor of {@code task} throws. */
    private static Throwable failureOf(TaskId task, String message) {
        return new StreamsException("Exception caught in process. taskId=" + task + ", processor=KSTREAM-SOURCE-0, "
                + "topic=in, partition=" + task.partition() + ", offset=42, stacktrace=java.lang.IllegalStateException: "
                + message + "\n\tat io.alignstream.Some.frame(Some.java:1)", new IllegalStateException(message), task);
    }

    @Test
    void aTaskThatFailsOnceAndThenNotStaysLive() {
        // given a task that fails once
        detector.failed(failureOf(new TaskId(0, 1), "registry unreachable"));

        // when time passes without another failure
        clock.advance(Duration.ofMinutes(3));

        // then the service is live, and still remembers the failure within the window
        Liveness liveness = detector.liveness();
        assertThat(liveness.live()).isTrue();
        assertThat(liveness.failures()).isEqualTo(1);
        assertThat(liveness.lastFailure()).get().extracting(f -> f.task().orElseThrow()).isEqualTo("0_1");
        assertThat(gauge("alignstream_live")).isEqualTo(1.0);
    }

    @Test
    void theSameTaskFailingTheMaximumTimesWithinTheWindowIsNotLive() {
        // given a task that fails every time it is retried, one short of the maximum
        TaskId poisoned = new TaskId(1, 3);
        for (int i = 1; i < TASK_FAILURES_MAX; i++) {
            assertThat(detector.failed(failureOf(poisoned, "poison " + i)).live()).as("after failure %d", i).isTrue();
            clock.advance(LOOP);
        }

        // when it fails once more
        Liveness after = detector.failed(failureOf(poisoned, "poison " + TASK_FAILURES_MAX));

        // then not live: the task, the count and the last failure say why
        assertThat(after.live()).isFalse();
        assertThat(after.failures()).isEqualTo(TASK_FAILURES_MAX);
        assertThat(after.reason()).contains("task 1_3", "failed " + TASK_FAILURES_MAX + " times", "within 10 minutes");
        Liveness.Failure last = after.lastFailure().orElseThrow();
        assertThat(last.task()).hasValue("1_3");
        assertThat(last.time()).isEqualTo(clock.instant());
        assertThat(last.description()).startsWith("StreamsException: Exception caught in process. taskId=1_3")
                .contains("offset=42", "IllegalStateException: poison " + TASK_FAILURES_MAX)
                .doesNotContain("\n", "\t", "Some.frame");
        assertThat(detector.liveness()).isEqualTo(after);
        assertThat(gauge("alignstream_live")).isEqualTo(0.0);
    }

    @Test
    void failuresOfOneTaskFartherApartThanTheWindowAllowsStayLive() {
        // given a task that fails, each time after more than a third of the window
        TaskId flaky = new TaskId(0, 0);
        Duration apart = WINDOW.dividedBy(TASK_FAILURES_MAX - 1).plusSeconds(1);

        // when it fails many times over, never the maximum within one window
        for (int i = 0; i < 3 * TASK_FAILURES_MAX; i++) {
            assertThat(detector.failed(failureOf(flaky, "timeout")).live()).as("after failure %d", i + 1).isTrue();
            clock.advance(apart);
        }

        // then it stays live: the older failures left the window
        assertThat(detector.liveness().live()).isTrue();
        assertThat(detector.liveness().failures()).isEqualTo(TASK_FAILURES_MAX - 2);
        // and after a whole window without failures, none is within it
        clock.advance(WINDOW);
        assertThat(detector.liveness().failures()).isZero();
    }

    @Test
    void aFailureExactlyOneWindowOldStillCounts() {
        // given failures at the window's two ends
        TaskId task = new TaskId(0, 2);
        detector.failed(failureOf(task, "a"));
        clock.advance(WINDOW.dividedBy(2));
        detector.failed(failureOf(task, "b"));
        clock.advance(WINDOW.dividedBy(2));

        // when a third comes exactly one window after the first, then it trips
        assertThat(detector.failed(failureOf(task, "c")).live()).isFalse();
    }

    @Test
    void threadReplacementsOfAnyTaskReachingTheMaximumAreNotLive() {
        // given failures that each name another task, or none, so no task reaches its maximum
        for (int i = 0; i < REPLACEMENTS_MAX - 1; i++) {
            Throwable failure = i % 2 == 0 ? failureOf(new TaskId(0, i), "boom")
                    : new IllegalStateException("the consumer was closed");
            assertThat(detector.failed(failure).live()).isTrue();
            clock.advance(LOOP);
        }

        // when one more thread fails
        Liveness after = detector.failed(new IllegalStateException("the consumer was closed"));

        // then not live, counting the replacements; the last failure named no task
        assertThat(after.live()).isFalse();
        assertThat(after.failures()).isEqualTo(REPLACEMENTS_MAX);
        assertThat(after.reason()).contains("replaced " + REPLACEMENTS_MAX + " times");
        assertThat(after.lastFailure().orElseThrow().task()).isEmpty();
    }

    @Test
    void onceNotLiveItStaysSoUntilTheProcessRestarts() {
        // given a crash loop that tripped liveness
        TaskId poisoned = new TaskId(1, 0);
        Liveness tripped = null;
        for (int i = 0; i < TASK_FAILURES_MAX; i++) {
            tripped = detector.failed(failureOf(poisoned, "poison"));
            clock.advance(LOOP);
        }
        assertThat(tripped.live()).isFalse();

        // when the loop stops and several windows pass, with another task failing once meanwhile
        clock.advance(WINDOW.multipliedBy(3));
        detector.failed(failureOf(new TaskId(0, 5), "other"));

        // then still the verdict that tripped it
        assertThat(detector.liveness()).isEqualTo(tripped);
        assertThat(gauge("alignstream_live")).isEqualTo(0.0);
    }

    @Test
    void theHandlerAlwaysReplacesTheThreadAndCountsEachFailure() {
        // given a task failing past the maximum, through the handler Kafka Streams calls
        TaskId poisoned = new TaskId(2, 7);
        int failures = TASK_FAILURES_MAX + 2;
        for (int i = 0; i < failures; i++) {
            // then every thread is replaced, before and after liveness tripped
            assertThat(detector.handle(failureOf(poisoned, "poison"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.advance(LOOP);
        }
        detector.handle(new OutOfMemoryError("Java heap space"));

        // and the counters have every failure, by task
        assertThat(detector.liveness().live()).isFalse();
        assertThat(counter("alignstream_stream_thread_replacements", Labels.EMPTY)).isEqualTo(failures + 1);
        assertThat(counter("alignstream_task_failures", Labels.of("task", "2_7"))).isEqualTo(failures);
        assertThat(counter("alignstream_task_failures", Labels.of("task", "none"))).isEqualTo(1);
    }

    @Test
    void beforeAnyFailureTheCountersAreZeroAndTheServiceLive() {
        assertThat(detector.liveness()).isEqualTo(new Liveness(true, "", 0, java.util.Optional.empty()));
        assertThat(counter("alignstream_stream_thread_replacements", Labels.EMPTY)).isZero();
        assertThat(gauge("alignstream_live")).isEqualTo(1.0);
    }

    @Nested
    class TheFailuresDescription {
        @Test
        void namesTheTaskOfAStreamsExceptionAnywhereInTheChain() {
            Throwable wrapped = new RuntimeException("outer", new StreamsException(new IllegalStateException("x"),
                    new TaskId(3, 11)));
            assertThat(CrashLoopDetector.taskOf(wrapped)).hasValue("3_11");
            assertThat(CrashLoopDetector.taskOf(new StreamsException("no task"))).isEmpty();
        }

        @Test
        void isBoundedAndPrintableWhateverTheMessageHolds() {
            // given an exception whose message carries an input's bytes: control characters, a BOM,
            // a private-use character, an unpaired surrogate, new lines, and a megabyte of text
            String hostile = "bad caption \u0000\u0007\u001b[31m\ufeff\ue000\ud800 " + "x".repeat(1 << 20)
                    + "\nline two";
            Throwable failure = new StreamsException(new IllegalArgumentException(hostile), new TaskId(0, 0));

            // when it is described
            String description = CrashLoopDetector.describe(failure);

            // then at most the bound, one line, nothing unprintable, cut with "..."
            assertThat(description).hasSizeLessThanOrEqualTo(CrashLoopDetector.MAX_DESCRIPTION_CHARS)
                    .endsWith("...")
                    .contains("IllegalArgumentException: bad caption ???[31m??? xxx")
                    .doesNotContain("line two");
            assertThat(description.codePoints()).allMatch(cp -> cp >= ' ' && cp != 0x7f && cp < 0xd800);
        }

        @Test
        void aShortChainIsKeptWholeEvenWithoutMessages() {
            Throwable failure = new IllegalStateException(null, new NullPointerException());
            assertThat(CrashLoopDetector.describe(failure)).isEqualTo("IllegalStateException <- NullPointerException");
        }

        @Test
        void aCyclicChainEnds() {
            IllegalStateException a = new IllegalStateException("a");
            IllegalArgumentException b = new IllegalArgumentException("b", a);
            a.initCause(b);
            assertThat(CrashLoopDetector.describe(a)).isEqualTo("IllegalStateException: a <- IllegalArgumentException: b");
        }
    }

    @Test
    void settingsBelowOneAreRefused() {
        assertThatThrownBy(() -> new LivenessSettings(0, 1, WINDOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LivenessSettings(1, 0, WINDOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LivenessSettings(1, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    private double counter(String name, Labels labels) {
        for (DataPointSnapshot point : family(name).getDataPoints()) {
            if (point.getLabels().equals(labels)) {
                return ((CounterSnapshot.CounterDataPointSnapshot) point).getValue();
            }
        }
        throw new AssertionError("no " + name + labels);
    }

    private double gauge(String name) {
        return ((GaugeSnapshot) family(name)).getDataPoints().get(0).getValue();
    }

    private MetricSnapshot family(String name) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(Instant start) {
            now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

package io.alignstream.bench.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void percentilesAreWithinOneBucketAboveTheExactNearestRank() {
        // given log-normal-ish latencies from 1 us to about 1 s, recorded and kept exactly
        SplittableRandom random = new SplittableRandom(42);
        long[] values = new long[20_000];
        LatencyRecorder recorder = new LatencyRecorder();
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(random.nextDouble(Math.log(1_000), Math.log(1e9)));
            recorder.record(values[i]);
        }
        Arrays.sort(values);

        // when percentiles are asked, then each is the exact value or at most 1/128 above it
        for (double p : new double[] {1, 10, 50, 90, 99, 99.9, 100}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat(recorder.percentile(p)).as("p%s", p)
                    .isGreaterThanOrEqualTo(exact)
                    .isLessThanOrEqualTo(exact + exact / 128);
        }
        LatencySummary summary = recorder.summary();
        assertThat(summary.count()).isEqualTo(values.length);
        assertThat(summary.minNanos()).isEqualTo(values[0]);
        assertThat(summary.maxNanos()).isEqualTo(values[values.length - 1]);
        assertThat(summary.meanNanos()).isEqualTo(Arrays.stream(values).average().orElseThrow());
    }

    @Test
    void smallValuesAreExact() {
        // given the values 1..200
        LatencyRecorder recorder = new LatencyRecorder();
        IntStream.rangeClosed(1, 200).forEach(recorder::record);

        // then the percentiles are exact
        assertThat(recorder.percentile(50)).isEqualTo(100);
        assertThat(recorder.percentile(99)).isEqualTo(198);
        assertThat(recorder.percentile(100)).isEqualTo(200);
    }

    @Test
    void bucketsCoverTheWholeLongRange() {
        // then every bucket's upper bound is at least the value it holds, up to Long.MAX_VALUE
        for (long v : new long[] {0, 127, 128, 255, 256, 1_000_003, 1L << 40, Long.MAX_VALUE}) {
            assertThat(LatencyRecorder.upperBound(LatencyRecorder.index(v))).isGreaterThanOrEqualTo(v);
        }
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(Long.MAX_VALUE);
        assertThat(recorder.percentile(50)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void emptyRecorderAnswersZeroAndBadInputIsRefused() {
        LatencyRecorder recorder = new LatencyRecorder();
        assertThat(recorder.percentile(99)).isZero();
        assertThat(recorder.summary()).isEqualTo(LatencySummary.EMPTY);
        assertThatThrownBy(() -> recorder.record(-1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> recorder.percentile(0)).hasMessageContaining("percent");
    }

    @Test
    void recordsFromManyThreadsAndMerges() throws Exception {
        // given two recorders filled by 4 threads each
        LatencyRecorder a = new LatencyRecorder();
        LatencyRecorder b = new LatencyRecorder();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            LatencyRecorder target = t % 2 == 0 ? a : b;
            threads[t] = new Thread(() -> IntStream.range(0, 10_000).forEach(target::record));
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        // when merged
        a.add(b);

        // then nothing was lost
        assertThat(a.count()).isEqualTo(80_000);
        assertThat(a.summary().maxNanos()).isEqualTo(9_999);
        assertThat(a.summary().meanNanos()).isEqualTo(4_999.5);
    }

    @Test
    void formatsDurationsReadably() {
        assertThat(LatencySummary.human(950)).isEqualTo("950ns");
        assertThat(LatencySummary.human(12_345)).isEqualTo("12.3us");
        assertThat(LatencySummary.human(4_560_000)).isEqualTo("4.56ms");
        assertThat(LatencySummary.human(2_000_000_000)).isEqualTo("2.00s");
    }
}

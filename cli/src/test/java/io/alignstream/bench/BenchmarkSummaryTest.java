package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.metrics.InferenceStage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Medians, steady-state throughput and the two ratios, from made-up rounds (no timing). */
class BenchmarkSummaryTest {

    @Test
    void processingThroughputCountsFromRunningToTheLastOutput() {
        // 100 scenes; 15 s from the start, of which 10 s after the application reported RUNNING
        RoundResult round = new RoundResult(Measurement.TOPOLOGY, 1, 100, 500, 15, 10, 0, new StageProfile());

        assertThat(round.scenesPerSecond()).isCloseTo(10.0, within(1e-9));
        assertThat(round.pairsPerSecond()).isCloseTo(50.0, within(1e-9));
        assertThat(round.scenesPerSecondTotal()).isCloseTo(100.0 / 15, within(1e-9));
        assertThat(round.startupSeconds()).isCloseTo(5.0, within(1e-9));
    }

    @Test
    void ratiosAreOfTheMediansAndJudgedAgainstTheTargets() {
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                runtime(1, 10), runtime(2, 12),// 10 and 8.3 scenes/s
                kafka(Measurement.TOPOLOGY, 1, 11), kafka(Measurement.TOPOLOGY, 2, 13),
                kafka(Measurement.NAIVE, 1, 30), kafka(Measurement.NAIVE, 2, 40)));

        double runtime = (100.0 / 10 + 100.0 / 12) / 2;
        double topology = (100.0 / 11 + 100.0 / 13) / 2;
        double naive = (100.0 / 30 + 100.0 / 40) / 2;
        assertThat(summary.scenesPerSecond(Measurement.RUNTIME)).isCloseTo(runtime, within(1e-9));
        assertThat(summary.topologyOverRuntime()).isCloseTo(topology / runtime, within(1e-9));
        assertThat(summary.topologyOverNaive()).isCloseTo(topology / naive, within(1e-9));
        assertThat(summary.runtimeTargetMet()).isEqualTo(topology / runtime >= 0.9);
        assertThat(summary.naiveTargetMet()).isTrue();
    }

    @Test
    void warmUpRoundsAreReportedButLeftOutOfTheMedians() {
        // given a slow warm-up round (round 0) before two counted rounds of each measurement
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                runtime(0, 20), runtime(1, 10), runtime(2, 10),
                kafka(Measurement.TOPOLOGY, 0, 40), kafka(Measurement.TOPOLOGY, 1, 11), kafka(Measurement.TOPOLOGY, 2, 11),
                kafka(Measurement.NAIVE, 0, 60), kafka(Measurement.NAIVE, 1, 30), kafka(Measurement.NAIVE, 2, 30)));

        // then the medians are of rounds 1 and 2 only, and every round is still in the summary
        assertThat(summary.of(Measurement.TOPOLOGY)).extracting(RoundResult::round).containsExactly(1, 2);
        assertThat(summary.scenesPerSecond(Measurement.TOPOLOGY)).isCloseTo(100.0 / 11, within(1e-9));
        assertThat(summary.rounds()).hasSize(9);
        assertThat(summary.rounds().get(0).warmup()).isTrue();
    }

    @Test
    void theCeilingOverNaiveIsTheNaiveProcessingTimeOverTheRuntimesModelTime() {
        // given a runtime that spends 8 s in model calls, and a naive run that takes 24 s
        StageProfile eightSeconds = StageProfile.fromExposition("""
                alignstream_batch_size_count{stage="TEXT"} 10
                alignstream_batch_size_sum{stage="TEXT"} 640.0
                alignstream_inference_duration_seconds_count{stage="TEXT"} 10
                alignstream_inference_duration_seconds_sum{stage="TEXT"} 8.0
                """);
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                new RoundResult(Measurement.RUNTIME, 1, 100, 500, 9, 9, 0, eightSeconds),
                kafka(Measurement.TOPOLOGY, 1, 12), kafka(Measurement.NAIVE, 1, 24)));

        // then no topology could be more than 24 / 8 = 3 times faster than the naive one
        assertThat(summary.naiveCeiling()).isCloseTo(3.0, within(1e-9));
    }

    @Test
    void readsStageTotalsFromTheTopologysMetrics() {
        String exposition = """
                # TYPE alignstream_batch_size histogram
                alignstream_batch_size_bucket{stage="VISION",le="1.0"} 0
                alignstream_batch_size_count{stage="VISION"} 4
                alignstream_batch_size_sum{stage="VISION"} 20.0
                alignstream_inference_duration_seconds_count{stage="VISION"} 4
                alignstream_inference_duration_seconds_sum{stage="VISION"} 0.5
                alignstream_batch_size_count{stage="TEXT"} 0
                """;

        StageProfile profile = StageProfile.fromExposition(exposition);

        assertThat(profile.totals(InferenceStage.VISION)).isEqualTo(new StageProfile.Totals(4, 20, 0.5));
        assertThat(profile.totals(InferenceStage.VISION).meanBatch()).isEqualTo(5.0);
        assertThat(profile.totals(InferenceStage.TEXT).calls()).isZero();
        assertThat(profile.modelSeconds()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void eachPrecisionIsSummarisedOnItsOwn() {
        // given rounds of fp32 and int8 in one run, naive for fp32 only
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                runtime(1, 10).withPrecision("fp32"), kafka(Measurement.TOPOLOGY, 1, 20).withPrecision("fp32"),
                runtime(1, 4).withPrecision("int8"), kafka(Measurement.TOPOLOGY, 1, 8).withPrecision("int8"),
                kafka(Measurement.NAIVE, 1, 40).withPrecision("fp32")));

        // then the precisions come in the order measured, and each one's medians are its own
        assertThat(summary.precisions()).containsExactly("fp32", "int8");
        assertThat(summary.of("int8").scenesPerSecond(Measurement.TOPOLOGY)).isCloseTo(100.0 / 8, within(1e-9));
        assertThat(summary.of("fp32").topologyOverNaive()).isCloseTo(2.0, within(1e-9));
        assertThat(summary.of("int8").has(Measurement.NAIVE)).isFalse();
    }

    @Test
    void theBaselineIsThePrecisionAskedForFirstThoughTheWarmUpRoundRanItLast() {
        // given fp32,int8 asked for: the warm-up round 0 (even) runs int8 first, round 1 fp32 first
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                runtime(0, 4).withPrecision("int8"), runtime(0, 10).withPrecision("fp32"),
                runtime(1, 10).withPrecision("fp32"), runtime(1, 4).withPrecision("int8")));

        // then fp32 comes first, and the comparison is int8 against fp32
        assertThat(summary.precisions()).containsExactly("fp32", "int8");
        assertThat(TopologyBenchmarkReport.precisionComparison(summary)).contains("## int8 against fp32");
    }

    @Test
    void theInt8SectionGivesEachPrecisionsMediansTheRatiosAndTheTopologyRatioOfEveryRound() {
        // given two counted rounds: topology fp32 at 100 scenes / 20 s and / 25 s, int8 / 8 s and / 10 s;
        // runtime fp32 / 10 s, int8 / 4 s in both rounds
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                runtime(1, 10).withPrecision("fp32"), kafka(Measurement.TOPOLOGY, 1, 20).withPrecision("fp32"),
                runtime(1, 4).withPrecision("int8"), kafka(Measurement.TOPOLOGY, 1, 8).withPrecision("int8"),
                runtime(2, 10).withPrecision("fp32"), kafka(Measurement.TOPOLOGY, 2, 25).withPrecision("fp32"),
                runtime(2, 4).withPrecision("int8"), kafka(Measurement.TOPOLOGY, 2, 10).withPrecision("int8")));

        // when the report's comparison is rendered
        String section = TopologyBenchmarkReport.precisionComparison(summary);

        // then it names both precisions and gives the medians (topology 4.5 and 11.25 scenes/s),
        // the ratios, the verdict against the 2x target and each round's own topology ratio
        assertThat(section)
                .contains("## int8 against fp32 (medians, processing throughput)")
                .contains("| measurement | fp32 scenes/s | int8 scenes/s | int8 / fp32 |")
                .contains("| runtime, batched (no Kafka) | 10.0 | 25.0 | **2.50x** |")
                .contains("| alignstream topology (EOS v2) | 4.5 | 11.3 | **2.50x** |")
                .contains("Target: topology int8 >= 2x topology fp32: **2.50x**, PASS.")
                .contains("Topology int8 / fp32 in each round: round 1 2.50x, round 2 2.50x.");
    }

    @Test
    void theInt8TargetIsNotMetBelowTwiceTheFp32Topology() {
        // given int8 topology only 1.5x the fp32 topology
        BenchmarkSummary summary = new BenchmarkSummary(List.of(
                kafka(Measurement.TOPOLOGY, 1, 15).withPrecision("fp32"),
                kafka(Measurement.TOPOLOGY, 1, 10).withPrecision("int8")));

        assertThat(TopologyBenchmarkReport.precisionComparison(summary))
                .contains("Target: topology int8 >= 2x topology fp32: **1.50x**, NOT MET.");
    }

    @Test
    void oneMeasuredPrecisionHasNoComparisonSection() {
        BenchmarkSummary summary = new BenchmarkSummary(List.of(runtime(1, 10), kafka(Measurement.TOPOLOGY, 1, 11)));

        assertThat(TopologyBenchmarkReport.precisionComparison(summary)).isEmpty();
    }

    private static RoundResult runtime(int round, double seconds) {
        return new RoundResult(Measurement.RUNTIME, round, 100, 500, seconds, seconds, 0, new StageProfile());
    }

    private static RoundResult kafka(Measurement m, int round, double processingSeconds) {
        return new RoundResult(m, round, 100, 500, processingSeconds + 5, processingSeconds, 0, new StageProfile());
    }
}

package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology benchmark end to end with a tiny workload (real broker, registry and models):
 * all three measurements are made and reported, and the ratios are computed from them. No
 * timing assertions: on a shared machine the numbers mean nothing at this size.
 */
class TopologyBenchmarkIntegrationTest {

    @Test
    void measuresAllThreeOnTheSameBacklogAndReportsTheRatios(@TempDir Path dir) throws Exception {
        // when the benchmark runs 6 scenes for one round
        Path out = dir.resolve("topology.md");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TopologyBenchmark.Outcome outcome = new TopologyBenchmark(new TopologyBenchmark.Options(6, 0, 1, 42, 2, Map.of(), out),
                new PrintStream(console, true, StandardCharsets.UTF_8)).run();

        // then each measurement has one round with every output seen and no dead letters
        BenchmarkSummary summary = outcome.summary();
        for (Measurement m : Measurement.values()) {
            assertThat(summary.of(m)).singleElement().satisfies(round -> {
                assertThat(round.scenes()).isEqualTo(6);
                assertThat(round.pairs()).isEqualTo(30);
                assertThat(round.scenesPerSecond()).isPositive().isFinite();
                assertThat(round.deadLetters()).isZero();
            });
        }
        // and the ratios are the topology's throughput over the other two
        double topology = summary.scenesPerSecond(Measurement.TOPOLOGY);
        assertThat(summary.topologyOverRuntime())
                .isCloseTo(topology / summary.scenesPerSecond(Measurement.RUNTIME), within(1e-9));
        assertThat(summary.topologyOverNaive())
                .isCloseTo(topology / summary.scenesPerSecond(Measurement.NAIVE), within(1e-9));

        // and the report, printed and written, has the three numbers, the ratios and the verdicts
        String report = Files.readString(out);
        assertThat(console.toString(StandardCharsets.UTF_8)).contains(report);
        for (Measurement m : Measurement.values()) {
            assertThat(report).contains(String.format(Locale.ROOT, "| %s | %.1f |", m.label(), summary.scenesPerSecond(m)));
        }
        assertThat(report)
                .contains(String.format(Locale.ROOT, "**%.2f** (%.1f / %.1f scenes/s)", summary.topologyOverRuntime(),
                        topology, summary.scenesPerSecond(Measurement.RUNTIME)))
                .contains(String.format(Locale.ROOT, "**%.2fx** (%.1f / %.1f scenes/s)", summary.topologyOverNaive(),
                        topology, summary.scenesPerSecond(Measurement.NAIVE)))
                .contains(summary.runtimeTargetMet() ? "| PASS |" : "| NOT MET |")
                .contains("--scenes=6 --warmup-rounds=0 --rounds=1 --partitions=2")
                .contains("| alignstream topology (EOS v2) | VISION |");
        // and what ran on the cores while the topology processed: its stream thread, which ran the model calls
        assertThat(summary.of(Measurement.TOPOLOGY).get(0).profile().cpu()).hasValueSatisfying(cpu ->
                assertThat(cpu.streamThreads()).isPositive());
        assertThat(report).contains("## What ran on the cores during each round's processing");
    }

    @Test
    void measuresEachPrecisionInTheSameRoundsAndComparesThem(@TempDir Path dir) throws Exception {
        // when the benchmark runs 4 scenes for one round with fp32 and int8 side by side and no naive run
        // (with the jar's default bundle, which has no int8 files yet, int8 resolves to fp32 for every
        // head: the measurements and the report's comparison are exercised, not int8 kernels)
        Path out = dir.resolve("topology.md");
        TopologyBenchmark.Outcome outcome = new TopologyBenchmark(new TopologyBenchmark.Options(4, 0, 1, 42, 2, Map.of(),
                out, List.of("fp32", "int8"), false), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).run();

        // then runtime and topology were measured once for each precision, naive not at all
        BenchmarkSummary summary = outcome.summary();
        assertThat(summary.precisions()).containsExactly("fp32", "int8");
        for (String precision : List.of("fp32", "int8")) {
            assertThat(summary.of(precision).of(Measurement.RUNTIME)).singleElement()
                    .satisfies(round -> assertThat(round.deadLetters()).isZero());
            assertThat(summary.of(precision).of(Measurement.TOPOLOGY)).singleElement()
                    .satisfies(round -> assertThat(round.deadLetters()).isZero());
        }
        assertThat(summary.has(Measurement.NAIVE)).isFalse();

        // and the report says which precision each head ran in, and compares int8 with fp32
        double ratio = summary.of("int8").scenesPerSecond(Measurement.TOPOLOGY)
                / summary.of("fp32").scenesPerSecond(Measurement.TOPOLOGY);
        assertThat(Files.readString(out))
                .contains("--precisions=fp32,int8 --naive=false")
                .containsPattern("models opened with `alignstream.model.precision=int8`: vision (fp32|int8), text (fp32|int8)")
                .contains("## int8 against fp32")
                .contains(String.format(Locale.ROOT, "Target: topology int8 >= 2x topology fp32: **%.2fx**", ratio))
                .contains("| 1 | int8 | alignstream topology (EOS v2) |")
                .doesNotContain("naive per-record mapValues (EOS v2) |");
    }
}

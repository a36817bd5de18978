package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.topology.TopologySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's Markdown report. */
final class TopologyBenchmarkReport {
    /** What the report says about the run besides the numbers. */
    /**
     * @param headPrecisions per precision measured, what each head ran in ("vision fp32, text int8, ...")
     */
    record Context(String when, int cores, String java, String device, String bundle, String command,
                   BenchWorkload workload, TopologySettings settings, String processingGuarantee, int streamThreads,
                   boolean monitor, Map<String, String> headPrecisions) { }

    private final StringBuilder out = new StringBuilder();

    String render(Context context, BenchmarkSummary summary) {
        BenchWorkload w = context.workload();
        line("# Topology benchmark");
        line("");
        line("- when: " + context.when() + "; cores: " + context.cores() + "; Java " + context.java()
                + "; device: " + context.device() + "; bundle: " + context.bundle());
        line("- command: `" + context.command() + "`");
        line(String.format(Locale.ROOT, "- workload: %d scenes = %d images (inline PNG, mean %.0f bytes) and %d captions"
                        + " (%d TEVI + %d AlignVLM records expected), produced to the input topics before each"
                        + " measurement starts (a backlog)", w.scenes(), w.scenes(), w.meanImageBytes(), w.pairs(),
                w.pairs(), w.scenes()));
        TopologySettings settings = context.settings();
        line(String.format(Locale.ROOT, "- settings: %s, %d partitions, model calls of up to %d items; a task's batch"
                        + " runs at %d images, %d inputs, or %d ms after its input paused; %s; quality"
                        + " monitor %s; one broker (embedded KRaft, its own JVM) and the embedded registry",
                context.processingGuarantee(), settings.partitions(), settings.batchMaxSize(), settings.batchMaxSize(),
                settings.batchMaxInputs(), settings.batchMaxWait().toMillis(),
                context.streamThreads() == 1 ? "one stream thread (and one runtime worker)"
                        : context.streamThreads() + " stream threads (and as many runtime workers, each with its"
                                + " own share of the scenes)",
                context.monitor() ? "on" : "off"));
        line("- processing = from the moment Kafka Streams reports RUNNING (the backlog can be consumed) until a"
                + " read_committed consumer has seen the last output; *incl. start-up* counts from before the"
                + " application (or the naive topology and its models) started. The runtime run has no start-up."
                + " The ratios use processing throughput.");
        context.headPrecisions().forEach((precision, heads) -> line("- models opened with `"
                + AlignstreamConfig.MODEL_PRECISION_CONFIG + "=" + precision + "`: " + heads));
        line("");
        rounds(summary);
        perRound(summary);
        cores(summary);
        medians(summary);
        targets(summary);
        precisionComparisons(summary);
        profiles(summary);
        return out.toString();
    }

    /** Only the sections that compare each precision with the first one measured. */
    static String precisionComparison(BenchmarkSummary summary) {
        TopologyBenchmarkReport report = new TopologyBenchmarkReport();
        report.precisionComparisons(summary);
        return report.out.toString();
    }

    private void rounds(BenchmarkSummary summary) {
        line("## Rounds (interleaved: odd rounds run runtime and topology for each precision in turn, then"
                + " naive; even rounds the reverse; warm-up rounds are not in the medians)");
        line("");
        line("| round | precision | measurement | total s | start-up s | processing s | scenes/s | pairs/s"
                + " | scenes/s incl. start-up | dead letters |");
        line("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (RoundResult r : summary.rounds()) {
            line(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %d |",
                    r.warmup() ? "warm-up" : Integer.toString(r.round()), r.precision(),
                    r.measurement().label(), r.totalSeconds(), r.startupSeconds(), r.processingSeconds(),
                    r.scenesPerSecond(), r.pairsPerSecond(), r.scenesPerSecondTotal(), r.deadLetters()));
        }
        line("");
    }

    /** Topology over runtime in every counted round, each precision's pair measured in the same round. */
    private void perRound(BenchmarkSummary summary) {
        line("## Topology / runtime in each round (processing throughput)");
        line("");
        line("Where each topology round's processing time went: model time (the embedders' stage timers),"
                + " the stream thread's commits (count x mean latency) and time blocked on Kafka (its own metrics;"
                + " of it, the producer's flushes at commits and the offsets sent to the transactions), and the JVM's"
                + " garbage collection; the runtime's model time beside it.");
        line("");
        line("| round | precision | runtime scenes/s | topology scenes/s | topology / runtime | processing s"
                + " | model s | runtime model s | commits | commit s | blocked on Kafka s | of it flush s | of it offsets s"
                + " | GC s |");
        line("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String precision : summary.precisions()) {
            BenchmarkSummary of = summary.of(precision);
            for (RoundResult topology : of.of(Measurement.TOPOLOGY)) {
                of.round(Measurement.RUNTIME, topology.round()).ifPresent(runtime -> {
                    String thread = topology.profile().threadTimes().map(t -> String.format(Locale.ROOT,
                            "%d | %.2f | %.2f | %.2f | %.2f | %.2f", t.commits(), t.commitSeconds(), t.blockedSeconds(),
                            t.flushSeconds(), t.offsetsSeconds(), t.gcSeconds())).orElse("- | - | - | - | - | -");
                    line(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %s |",
                            topology.warmup() ? "warm-up" : Integer.toString(topology.round()), precision,
                            runtime.scenesPerSecond(), topology.scenesPerSecond(),
                            topology.scenesPerSecond() / runtime.scenesPerSecond(), topology.processingSeconds(),
                            topology.profile().modelSeconds(), runtime.profile().modelSeconds(), thread));
                });
            }
        }
        line("");
    }

    /**
     * What ran on the machine's cores while each round processed (warm-up rounds too: how much the
     * JIT compilers still take shows whether the counted rounds are warm).
     */
    private void cores(BenchmarkSummary summary) {
        List<RoundResult> topologies = summary.rounds().stream()
                .filter(r -> r.measurement() == Measurement.TOPOLOGY && r.profile().cpu().isPresent()).toList();
        if (topologies.isEmpty()) {
            return;
        }
        line("## What ran on the cores during each round's processing (CPU seconds, Linux /proc)");
        line("");
        line("Cores busy = all CPU seconds of the service's JVM and the broker's / processing seconds. The stream"
                + " threads run the model calls (and ONNX Runtime's work when it takes one thread); the rest of the"
                + " JVM holds the Kafka clients' I/O threads, the collectors and this benchmark's read_committed reader.");
        line("");
        line("| round | precision | runtime cores busy | topology cores busy | stream threads s | JIT s | rest of JVM s"
                + " | broker s | of it broker JIT s |");
        line("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (RoundResult topology : topologies) {
            ThreadCpu.Shares cpu = topology.profile().cpu().orElseThrow();
            String runtime = summary.rounds().stream()
                    .filter(r -> r.measurement() == Measurement.RUNTIME && r.round() == topology.round()
                            && r.precision().equals(topology.precision()) && r.profile().cpu().isPresent())
                    .findFirst().map(r -> String.format(Locale.ROOT, "%.2f",
                            r.profile().cpu().orElseThrow().total() / r.processingSeconds())).orElse("-");
            line(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |",
                    topology.warmup() ? "warm-up " + topology.round() : Integer.toString(topology.round()),
                    topology.precision(), runtime, cpu.total() / topology.processingSeconds(), cpu.streamThreads(),
                    cpu.compilers(), cpu.restOfJvm(), cpu.broker(), cpu.brokerCompilers()));
        }
        line("");
    }

    private void medians(BenchmarkSummary summary) {
        line("## Medians");
        line("");
        line("| precision | measurement | scenes/s (processing) | pairs/s (processing) | scenes/s incl. start-up |");
        line("| --- | --- | ---: | ---: | ---: |");
        for (String precision : summary.precisions()) {
            BenchmarkSummary of = summary.of(precision);
            for (Measurement m : Measurement.values()) {
                if (of.has(m)) {
                    line(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f |", precision, m.label(),
                            of.scenesPerSecond(m), of.pairsPerSecond(m), of.scenesPerSecondTotal(m)));
                }
            }
        }
        line("");
    }

    private void targets(BenchmarkSummary summary) {
        line("## Against the targets (medians, processing throughput)");
        line("");
        line("| precision | target | ratio | incl. start-up | result |");
        line("| --- | --- | ---: | ---: | --- |");
        for (String precision : summary.precisions()) {
            BenchmarkSummary of = summary.of(precision);
            if (of.has(Measurement.TOPOLOGY) && of.has(Measurement.RUNTIME)) {
                line(String.format(Locale.ROOT, "| %s | topology / runtime batched >= %.1f | **%.2f** (%.1f / %.1f"
                                + " scenes/s) | %.2f | %s |", precision, BenchmarkSummary.RUNTIME_TARGET,
                        of.topologyOverRuntime(), of.scenesPerSecond(Measurement.TOPOLOGY),
                        of.scenesPerSecond(Measurement.RUNTIME), of.topologyOverRuntimeTotal(),
                        of.runtimeTargetMet() ? "PASS" : "NOT MET"));
            }
            if (of.has(Measurement.TOPOLOGY) && of.has(Measurement.NAIVE)) {
                line(String.format(Locale.ROOT, "| %s | topology / naive per-record >= %.0fx | **%.2fx** (%.1f / %.1f"
                                + " scenes/s) | %.2fx | %s |", precision, BenchmarkSummary.NAIVE_TARGET,
                        of.topologyOverNaive(), of.scenesPerSecond(Measurement.TOPOLOGY),
                        of.scenesPerSecond(Measurement.NAIVE), of.topologyOverNaiveTotal(),
                        of.naiveTargetMet() ? "PASS" : "NOT MET"));
            }
        }
        line("");
        for (String precision : summary.precisions()) {
            BenchmarkSummary of = summary.of(precision);
            if (of.has(Measurement.NAIVE) && of.has(Measurement.RUNTIME)) {
                line(String.format(Locale.ROOT, "Ceiling for topology / naive on this machine (%s): **%.2fx**, the"
                                + " naive run's processing time (%.2f s) over the runtime's time in model calls alone"
                                + " (%.2f s), i.e. a topology that cost nothing but the runtime's batched model calls"
                                + " (medians).", precision, of.naiveCeiling(), of.processingSeconds(Measurement.NAIVE),
                        of.modelSeconds(Measurement.RUNTIME)));
                line("");
            }
        }
    }

    /**
     * Each precision after the first against the first (the case: int8 against fp32):
     * median runtime and topology throughput of each, their ratio, and the topology ratio in each
     * round (both measured in that round).
     */
    private void precisionComparisons(BenchmarkSummary summary) {
        List<String> precisions = summary.precisions();
        if (precisions.size() < 2) {
            return;
        }
        String base = precisions.get(0);
        BenchmarkSummary baseline = summary.of(base);
        for (String precision : precisions.subList(1, precisions.size())) {
            BenchmarkSummary other = summary.of(precision);
            line("## " + precision + " against " + base + " (medians, processing throughput)");
            line("");
            line("| measurement | " + base + " scenes/s | " + precision + " scenes/s | " + precision + " / " + base + " |");
            line("| --- | ---: | ---: | ---: |");
            for (Measurement m : List.of(Measurement.RUNTIME, Measurement.TOPOLOGY)) {
                if (baseline.has(m) && other.has(m)) {
                    line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | **%.2fx** |", m.label(),
                            baseline.scenesPerSecond(m), other.scenesPerSecond(m),
                            other.scenesPerSecond(m) / baseline.scenesPerSecond(m)));
                }
            }
            line("");
            if (!baseline.has(Measurement.TOPOLOGY) || !other.has(Measurement.TOPOLOGY)) {
                continue;
            }
            double ratio = other.scenesPerSecond(Measurement.TOPOLOGY) / baseline.scenesPerSecond(Measurement.TOPOLOGY);
            if (base.equals("fp32") && precision.equals("int8")) {
                line(String.format(Locale.ROOT, "Target: topology int8 >= %.0fx topology fp32: **%.2fx**, %s.",
                        BenchmarkSummary.INT8_TARGET, ratio, ratio >= BenchmarkSummary.INT8_TARGET ? "PASS" : "NOT MET"));
                line("");
            }
            StringBuilder rounds = new StringBuilder();
            for (RoundResult r : other.of(Measurement.TOPOLOGY)) {
                baseline.round(Measurement.TOPOLOGY, r.round()).ifPresent(b -> rounds.append(rounds.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "round %d %.2fx", r.round(), r.scenesPerSecond() / b.scenesPerSecond())));
            }
            line("Topology " + precision + " / " + base + " in each round: " + rounds + ".");
            line("");
        }
    }

    /** Model time per stage of each measurement's last round, with the batch sizes actually achieved. */
    private void profiles(BenchmarkSummary summary) {
        line("## Where the time goes (last round of each; model time from the embedders' stage timers)");
        line("");
        line("| precision | measurement | stage | calls | items | mean batch | model s | ms per item |");
        line("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (String precision : summary.precisions()) {
            for (RoundResult last : lastRounds(summary.of(precision))) {
                for (InferenceStage stage : InferenceStage.values()) {
                    StageProfile.Totals t = last.profile().totals(stage);
                    if (t.calls() == 0) {
                        continue;
                    }
                    line(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %.1f | %.2f | %.2f |", precision,
                            last.measurement().label(), stage, t.calls(), t.items(), t.meanBatch(), t.seconds(),
                            1000 * t.seconds() / t.items()));
                }
            }
        }
        line("");
        line("| precision | measurement | model s (all stages) | wall s incl. start-up | wall s not in a model call |");
        line("| --- | --- | ---: | ---: | ---: |");
        for (String precision : summary.precisions()) {
            for (RoundResult last : lastRounds(summary.of(precision))) {
                line(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f |", precision, last.measurement().label(),
                        last.profile().modelSeconds(), last.totalSeconds(),
                        last.totalSeconds() - last.profile().modelSeconds()));
            }
        }
        line("");
    }

    /** The last counted round of each measurement made. */
    private static List<RoundResult> lastRounds(BenchmarkSummary summary) {
        List<RoundResult> last = new ArrayList<>();
        for (Measurement m : Measurement.values()) {
            List<RoundResult> rounds = summary.of(m);
            if (!rounds.isEmpty()) {
                last.add(rounds.get(rounds.size() - 1));
            }
        }
        return last;
    }

    private void line(String text) {
        out.append(text).append('\n');
    }
}

package io.alignstream.bench;

import io.alignstream.metrics.InferenceStage;
import io.alignstream.topology.TopologySettings;
import java.util.List;
import java.util.Locale;

/** The benchmark's Markdown report. */
final class TopologyBenchmarkReport {
    /** What the report says about the run besides the numbers. */
    record Context(String when, int cores, String java, String device, String bundle, String command,
                   BenchWorkload workload, TopologySettings settings, String processingGuarantee, boolean monitor) { }

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
                        + " runs at %d images, %d inputs, or %d ms after its input paused; one stream thread; quality"
                        + " monitor %s; one broker (embedded KRaft, its own JVM) and the embedded registry",
                context.processingGuarantee(), settings.partitions(), settings.batchMaxSize(), settings.batchMaxSize(),
                settings.batchMaxInputs(), settings.batchMaxWait().toMillis(), context.monitor() ? "on" : "off"));
        line("- processing = from the moment Kafka Streams reports RUNNING (the backlog can be consumed) until a"
                + " read_committed consumer has seen the last output; *incl. start-up* counts from before the"
                + " application (or the naive topology and its models) started. The runtime run has no start-up."
                + " The ratios use processing throughput.");
        line("");
        rounds(summary);
        medians(summary);
        targets(summary);
        profiles(summary);
        return out.toString();
    }

    private void rounds(BenchmarkSummary summary) {
        line("## Rounds (interleaved: odd rounds run runtime, topology, naive; even rounds the reverse;"
                + " warm-up rounds are not in the medians)");
        line("");
        line("| round | measurement | total s | start-up s | processing s | scenes/s | pairs/s"
                + " | scenes/s incl. start-up | dead letters |");
        line("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (RoundResult r : summary.rounds()) {
            line(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %d |",
                    r.warmup() ? "warm-up" : Integer.toString(r.round()),
                    r.measurement().label(), r.totalSeconds(), r.startupSeconds(), r.processingSeconds(),
                    r.scenesPerSecond(), r.pairsPerSecond(), r.scenesPerSecondTotal(), r.deadLetters()));
        }
        line("");
    }

    private void medians(BenchmarkSummary summary) {
        line("## Medians");
        line("");
        line("| measurement | scenes/s (processing) | pairs/s (processing) | scenes/s incl. start-up |");
        line("| --- | ---: | ---: | ---: |");
        for (Measurement m : Measurement.values()) {
            line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |", m.label(), summary.scenesPerSecond(m),
                    summary.pairsPerSecond(m), summary.scenesPerSecondTotal(m)));
        }
        line("");
    }

    private void targets(BenchmarkSummary summary) {
        line("## Against the targets (medians, processing throughput)");
        line("");
        line("| target | ratio | incl. start-up | result |");
        line("| --- | ---: | ---: | --- |");
        line(String.format(Locale.ROOT, "| topology / runtime batched >= %.1f | **%.2f** (%.1f / %.1f scenes/s) | %.2f | %s |",
                BenchmarkSummary.RUNTIME_TARGET, summary.topologyOverRuntime(),
                summary.scenesPerSecond(Measurement.TOPOLOGY), summary.scenesPerSecond(Measurement.RUNTIME),
                summary.topologyOverRuntimeTotal(), summary.runtimeTargetMet() ? "PASS" : "NOT MET"));
        line(String.format(Locale.ROOT, "| topology / naive per-record >= %.0fx | **%.2fx** (%.1f / %.1f scenes/s) | %.2fx | %s |",
                BenchmarkSummary.NAIVE_TARGET, summary.topologyOverNaive(),
                summary.scenesPerSecond(Measurement.TOPOLOGY), summary.scenesPerSecond(Measurement.NAIVE),
                summary.topologyOverNaiveTotal(), summary.naiveTargetMet() ? "PASS" : "NOT MET"));
        line("");
        line(String.format(Locale.ROOT, "Ceiling for topology / naive on this machine: **%.2fx**, the naive run's"
                        + " processing time (%.2f s) over the runtime's time in model calls alone (%.2f s), i.e. a"
                        + " topology that cost nothing but the runtime's batched model calls (medians).",
                summary.naiveCeiling(), summary.processingSeconds(Measurement.NAIVE),
                summary.modelSeconds(Measurement.RUNTIME)));
        line("");
    }

    /** Model time per stage of each measurement's last round, with the batch sizes actually achieved. */
    private void profiles(BenchmarkSummary summary) {
        line("## Where the time goes (last round of each; model time from the embedders' stage timers)");
        line("");
        line("| measurement | stage | calls | items | mean batch | model s | ms per item |");
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Measurement m : Measurement.values()) {
            List<RoundResult> rounds = summary.of(m);
            if (rounds.isEmpty()) {
                continue;
            }
            RoundResult last = rounds.get(rounds.size() - 1);
            for (InferenceStage stage : InferenceStage.values()) {
                StageProfile.Totals t = last.profile().totals(stage);
                if (t.calls() == 0) {
                    continue;
                }
                line(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.2f | %.2f |", m.label(), stage,
                        t.calls(), t.items(), t.meanBatch(), t.seconds(), 1000 * t.seconds() / t.items()));
            }
        }
        line("");
        line("| measurement | model s (all stages) | wall s incl. start-up | wall s not in a model call |");
        line("| --- | ---: | ---: | ---: |");
        for (Measurement m : Measurement.values()) {
            List<RoundResult> rounds = summary.of(m);
            if (rounds.isEmpty()) {
                continue;
            }
            RoundResult last = rounds.get(rounds.size() - 1);
            line(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |", m.label(), last.profile().modelSeconds(),
                    last.totalSeconds(), last.totalSeconds() - last.profile().modelSeconds()));
        }
        line("");
    }

    private void line(String text) {
        out.append(text).append('\n');
    }
}

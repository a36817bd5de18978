package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.inference.InferenceModels;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.topology.TopologySettings;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code alignstream bench topology}: end-to-end throughput of the topology on the embedded
 * broker against the runtime's own batched throughput and against the naive per-record
 * pattern, on the same backlog, in interleaved rounds, with a Markdown report. A command, not a
 * test: numbers on a shared machine are noisy, so compare the ratios measured in one run.
 */
public final class TopologyBenchmark {
    /**
     * What to run.
     *
     * @param warmupRounds rounds run first and left out of the medians (reported as round 0, -1...):
     *                 the Kafka measurements' code is otherwise still being compiled by the JIT in
     *                 round 1, which measured 25-30% slower than the rounds after it
     * @param settings alignstream configuration keys applied to every measurement (the runtime
     *                 baseline takes its batch size from them too), for measuring other settings
     *                 than the defaults; keys the benchmark sets itself are refused
     * @param precisions {@code alignstream.model.precision} settings to measure side by side in each
     *                 round (runtime and topology for each); empty: the configured one only
     * @param naive    whether to run the naive per-record measurement (for the first precision only)
     */
    public record Options(int scenes, int warmupRounds, int rounds, long seed, int partitions, Map<String, String> settings,
                          Path out, List<String> precisions, boolean naive) {
        public Options {
            if (scenes < 1 || rounds < 1 || partitions < 1) {
                throw new IllegalArgumentException("scenes, rounds and partitions must be at least 1");
            }
            if (warmupRounds < 0) {
                throw new IllegalArgumentException("warm-up rounds cannot be negative");
            }
            settings = Collections.unmodifiableMap(new TreeMap<>(settings));
            BenchPlatform.requireNoReservedKeys(settings.keySet());
            precisions = precisions.stream().map(p -> PrecisionSetting.parse(p).toString()).toList();
            if (!precisions.isEmpty() && settings.containsKey(AlignstreamConfig.MODEL_PRECISION_CONFIG)) {
                throw new IllegalArgumentException("--precisions sets " + AlignstreamConfig.MODEL_PRECISION_CONFIG
                        + " for each measurement; leave it out of --set");
            }
            if (precisions.stream().distinct().count() < precisions.size()) {
                throw new IllegalArgumentException("a precision is listed twice: " + precisions);
            }
        }

        /** The configured precision only, naive included. */
        public Options(int scenes, int warmupRounds, int rounds, long seed, int partitions, Map<String, String> settings,
                       Path out) {
            this(scenes, warmupRounds, rounds, seed, partitions, settings, out, List.of(), true);
        }

        public static Options defaults() {
            // Three warm-up rounds: both JVMs' compilers took 1.6-6.6 s of CPU in the first topology round,
            // 0.2-0.4 s by the third (docs/performance.md, issue 18).
            return new Options(400, 3, 3, 42, 6, Map.of(), Path.of("cli", "target", "bench",
                    "topology-benchmark.md"));
        }
    }

    /** One measurement of one precision, as a round runs them. */
    private record Step(Measurement measurement, PrecisionUnderTest precision) { }

    /** The run's summary and its rendered report. */
    public record Outcome(BenchmarkSummary summary, String report) { }

    private final Options options;
    private final PrintStream console;

    public TopologyBenchmark(Options options, PrintStream console) {
        this.options = options;
        this.console = console;
    }

    /** Runs every round, prints the report, writes it to {@link Options#out()}, and returns it. */
    public Outcome run() throws Exception {
        long started = System.nanoTime();
        BenchWorkload workload = BenchWorkload.generate(options.scenes(), options.seed());
        progress(started, "generated " + workload.scenes() + " scenes (" + workload.pairs() + " captions)");
        List<RoundResult> results = new ArrayList<>();
        TopologyBenchmarkReport.Context context;
        try (BenchPlatform platform = BenchPlatform.start(options.partitions(), options.settings())) {
            platform.produce(workload);
            progress(started, "broker and registry up, backlog produced");
            AlignstreamConfig base = platform.roundConfig("runtime");
            TopologySettings settings = base.topologySettings();
            // The runtime baseline runs as many workers as the topology has stream threads: like for like.
            int streamThreads = new StreamsConfig(base.streamsProperties()).getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
            Duration timeout = Duration.ofSeconds(120 + 2L * options.scenes());
            TopologyRun topology = new TopologyRun(platform, timeout);
            NaiveTopologyRun naive = new NaiveTopologyRun(platform, timeout);
            List<PrecisionUnderTest> precisions = options.precisions().isEmpty()
                    ? List.of(PrecisionUnderTest.configured(base))
                    : options.precisions().stream().map(PrecisionUnderTest::named).toList();
            Map<PrecisionUnderTest, BatchedRuntimeRun> runtimes = new LinkedHashMap<>();
            Map<String, String> headPrecisions = new LinkedHashMap<>();
            List<InferenceModels> opened = new ArrayList<>();
            try {
                for (PrecisionUnderTest precision : precisions) {
                    // The runtime baseline's models, opened with the precision under test and kept for every round.
                    BenchModels.Opened models = BenchModels.openDescribed(precision.explicit()
                            ? platform.roundConfig(precision.roundName("runtime", 0), precision.settings()) : base);
                    opened.add(models.models());
                    headPrecisions.put(precision.label(), Precision.describe(models.precisions()));
                    BatchedRuntimeRun runtime = new BatchedRuntimeRun(models.models(), settings, streamThreads);
                    // Untimed: load the ONNX sessions and warm the JIT on a few scenes.
                    runtime.run(BenchWorkload.generate(Math.min(options.scenes(), 8), options.seed() + 1), 0);
                    runtimes.put(precision, runtime);
                    progress(started, "models opened with precision " + precision.label() + ": "
                            + headPrecisions.get(precision.label()));
                }
                List<Step> forward = new ArrayList<>();
                for (PrecisionUnderTest precision : precisions) {
                    forward.add(new Step(Measurement.RUNTIME, precision));
                    forward.add(new Step(Measurement.TOPOLOGY, precision));
                }
                if (options.naive()) {
                    forward.add(new Step(Measurement.NAIVE, precisions.get(0)));
                }
                List<Step> backward = new ArrayList<>(forward);
                Collections.reverse(backward);
                for (int round = 1 - options.warmupRounds(); round <= options.rounds(); round++) {
                    for (Step step : Math.floorMod(round, 2) == 1 ? forward : backward) {
                        RoundResult result = switch (step.measurement()) {
                            case RUNTIME -> runtimes.get(step.precision()).run(workload, round);
                            case TOPOLOGY -> topology.run(workload, round, step.precision());
                            case NAIVE -> naive.run(workload, round, step.precision());
                        };
                        result = result.withPrecision(step.precision().label());
                        results.add(result);
                        progress(started, String.format(Locale.ROOT,
                                "round %d %-6s %-40s %7.1f scenes/s processing, %7.2f s total", round,
                                step.precision().label(), step.measurement().label(), result.scenesPerSecond(),
                                result.totalSeconds()));
                    }
                }
                InferenceModels first = opened.get(0);
                context = new TopologyBenchmarkReport.Context(Instant.now().toString(),
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                        base.modelDevice().toString(), first.modelRef().getId() + " " + first.modelRef().getVersion(),
                        command(), workload, settings, base.processingGuarantee(), streamThreads,
                        base.monitorEnabled(), headPrecisions);
            } finally {
                opened.forEach(InferenceModels::close);
            }
        }
        BenchmarkSummary summary = new BenchmarkSummary(results);
        String report = new TopologyBenchmarkReport().render(context, summary);
        console.println();
        console.print(report);
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
        console.println("Written to " + options.out());
        return new Outcome(summary, report);
    }

    private String command() {
        Options d = Options.defaults();
        StringBuilder command = new StringBuilder("./alignstream bench topology");
        if (options.scenes() != d.scenes()) {
            command.append(" --scenes=").append(options.scenes());
        }
        if (options.warmupRounds() != d.warmupRounds()) {
            command.append(" --warmup-rounds=").append(options.warmupRounds());
        }
        if (options.rounds() != d.rounds()) {
            command.append(" --rounds=").append(options.rounds());
        }
        if (options.seed() != d.seed()) {
            command.append(" --seed=").append(options.seed());
        }
        if (options.partitions() != d.partitions()) {
            command.append(" --partitions=").append(options.partitions());
        }
        if (!options.precisions().isEmpty()) {
            command.append(" --precisions=").append(String.join(",", options.precisions()));
        }
        if (!options.naive()) {
            command.append(" --naive=false");
        }
        options.settings().forEach((key, value) -> command.append(" --set ").append(key).append('=').append(value));
        return command.toString();
    }

    /** "vision fp32, text int8, ..." */

    private void progress(long started, String what) {
        console.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }
}

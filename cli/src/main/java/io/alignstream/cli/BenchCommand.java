package io.alignstream.cli;

import io.alignstream.bench.TopologyBenchmark;
import io.alignstream.bench.runtime.RuntimeBenchmark;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.PrecisionSetting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Benchmarks that print numbers and write them to a file; not timed tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Runs alignstream's benchmarks and writes a Markdown report.",
        subcommands = {BenchCommand.Runtime.class, BenchCommand.Topology.class, io.alignstream.bench.precision.PrecisionBenchCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "runtime", mixinStandardHelpOptions = true,
            description = {"The model runtime on this machine: each stage at each batch size, the",
                    "batching speed-up, each head's share of the measured matmul throughput",
                    "in its precision (float MatMul or int8 MatMulInteger), and the resident",
                    "set over a long run; with --compare-precisions fp32 and int8 side by side."})
    static final class Runtime implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--batch-sizes", split = ",", defaultValue = "1,2,4,8,16,32,64",
                description = "Batch sizes to measure (default: ${DEFAULT-VALUE}).")
        List<Integer> batchSizes;

        @Option(names = "--seconds-per-point", defaultValue = "1.5",
                description = "Time spent on each measured point (default: ${DEFAULT-VALUE}).")
        double secondsPerPoint;

        @Option(names = "--memory-items", defaultValue = "100000",
                description = "Items run through all heads while the resident set is sampled; 0 skips it"
                        + " (default: ${DEFAULT-VALUE}).")
        long memoryItems;

        @Option(names = "--bundle", paramLabel = "DIR",
                description = "A model bundle, directory or zip (default: the bundle in the jar).")
        Path bundle;

        @Option(names = "--device", defaultValue = "cpu", converter = DeviceConverter.class,
                description = "Where the heads run: cpu, cuda, tensorrt or auto"
                        + " (default: ${DEFAULT-VALUE}).")
        DeviceSetting device;

        @Option(names = "--precision", paramLabel = "SETTING", converter = PrecisionConverter.class,
                description = "Which heads run int8, as alignstream.model.precision: auto, fp32,"
                        + " int8, or e.g. int8,vision=fp32 (default: auto).")
        PrecisionSetting precision;

        @Option(names = "--compare-precisions",
                description = "Run the stages in fp32, then in int8 (one runtime after the other),"
                        + " and compare them; not with --precision.")
        boolean comparePrecisions;

        @Option(names = "--out", defaultValue = "target/bench/runtime-benchmark.md",
                description = "Where the report is written (default: ${DEFAULT-VALUE}).")
        Path out;

        /** The benchmark's options from the parsed command line. */
        RuntimeBenchmark.Options options() {
            if (comparePrecisions && precision != null) {
                throw new ParameterException(spec.commandLine(),
                        "--compare-precisions runs fp32 and then int8: leave out --precision");
            }
            try {
                return new RuntimeBenchmark.Options(List.copyOf(batchSizes), secondsPerPoint, memoryItems, out,
                        Optional.ofNullable(bundle), device, precision == null ? PrecisionSetting.AUTO : precision,
                        comparePrecisions);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            new RuntimeBenchmark(options(), System.out).run();
            return 0;
        }
    }

    @Command(name = "topology", mixinStandardHelpOptions = true,
            description = {"End-to-end throughput of the topology on the embedded broker",
                    "(exactly-once, default batching) against the runtime's own batched",
                    "throughput and against a naive per-record mapValues topology, on the",
                    "same backlog of synthetic scenes, in interleaved rounds; with --precisions",
                    "several model precisions (fp32,int8) side by side in the same rounds."})
    static final class Topology implements Callable<Integer> {
        @Option(names = "--scenes", defaultValue = "400",
                description = "Synthetic scenes (1 image and its captions each) (default: ${DEFAULT-VALUE}).")
        int scenes;

        @Option(names = "--warmup-rounds", defaultValue = "3",
                description = "Rounds run first and left out of the medians, so that both JVMs' JIT compilers"
                        + " (the service's and the broker's) have settled; the report's cores table shows what they"
                        + " still took (default: ${DEFAULT-VALUE}).")
        int warmupRounds;

        @Option(names = "--rounds", defaultValue = "3",
                description = "Rounds of each measurement; the report gives each and the median"
                        + " (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--seed", defaultValue = "42", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--partitions", defaultValue = "6",
                description = "Partitions of the input, output and re-keying topics (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "An alignstream configuration key for every measurement, e.g."
                        + " --set alignstream.batch.max.size=32 (repeatable; docs/configuration.md lists them).")
        Map<String, String> settings = new LinkedHashMap<>();

        /** A comma starts the next precision unless it is followed by a head's setting (int8,vision=fp32). */
        static final String PRECISIONS_SPLIT = "(?i),(?!\\s*[a-z]+\\s*=)";

        @Option(names = "--precisions", split = PRECISIONS_SPLIT, paramLabel = "SETTING",
                description = {"alignstream.model.precision settings measured side by side in each",
                        "round, e.g. fp32,int8 (runtime and topology for each, naive for the",
                        "first only; a report section compares each with the first); default:",
                        "the configured one."})
        List<String> precisions = new ArrayList<>();

        @Option(names = "--naive", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                paramLabel = "BOOLEAN",
                description = "Run the naive per-record measurement; --naive=false skips it"
                        + " (default: ${DEFAULT-VALUE}).")
        boolean naive;

        @Option(names = "--out", defaultValue = "cli/target/bench/topology-benchmark.md",
                description = "Where the report is written (default: ${DEFAULT-VALUE}).")
        Path out;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        /** The benchmark's options from the parsed command line. */
        TopologyBenchmark.Options options() {
            try {
                return new TopologyBenchmark.Options(scenes, warmupRounds, rounds, seed, partitions, settings, out,
                        List.copyOf(precisions), naive);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            new TopologyBenchmark(options(), System.out).run();
            return 0;
        }
    }

    /** {@code cpu}, {@code cuda}, {@code tensorrt} or {@code auto}. */
    static final class DeviceConverter implements CommandLine.ITypeConverter<DeviceSetting> {
        @Override
        public DeviceSetting convert(String value) {
            try {
                return DeviceSetting.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code alignstream.model.precision}'s grammar. */
    static final class PrecisionConverter implements CommandLine.ITypeConverter<PrecisionSetting> {
        @Override
        public PrecisionSetting convert(String value) {
            try {
                return PrecisionSetting.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

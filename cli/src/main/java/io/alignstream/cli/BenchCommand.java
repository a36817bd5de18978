package io.alignstream.cli;

import io.alignstream.bench.TopologyBenchmark;
import io.alignstream.bench.runtime.RuntimeBenchmark;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
            description = {"The model runtime on this machine's CPU: each stage at each batch size,",
                    "the batching speed-up, the vision tower's share of the measured matmul",
                    "throughput, and the resident set over a long run."})
    static final class Runtime implements Callable<Integer> {
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

        @Option(names = "--out", defaultValue = "target/bench/runtime-benchmark.md",
                description = "Where the report is written (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            new RuntimeBenchmark(new RuntimeBenchmark.Options(List.copyOf(batchSizes), secondsPerPoint,
                    memoryItems, out), System.out).run();
            return 0;
        }
    }

    @Command(name = "topology", mixinStandardHelpOptions = true,
            description = {"End-to-end throughput of the topology on the embedded broker",
                    "(exactly-once, default batching) against the runtime's own batched",
                    "throughput and against a naive per-record mapValues topology, on the",
                    "same backlog of synthetic scenes, in interleaved rounds."})
    static final class Topology implements Callable<Integer> {
        @Option(names = "--scenes", defaultValue = "400",
                description = "Synthetic scenes (1 image and its captions each) (default: ${DEFAULT-VALUE}).")
        int scenes;

        @Option(names = "--warmup-rounds", defaultValue = "1",
                description = "Rounds run first and left out of the medians, so the JIT has compiled the Kafka"
                        + " measurements' code (default: ${DEFAULT-VALUE}).")
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

        @Option(names = "--out", defaultValue = "cli/target/bench/topology-benchmark.md",
                description = "Where the report is written (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            new TopologyBenchmark(new TopologyBenchmark.Options(scenes, warmupRounds, rounds, seed, partitions, settings, out), System.out).run();
            return 0;
        }
    }
}

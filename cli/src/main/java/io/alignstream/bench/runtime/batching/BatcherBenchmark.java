package io.alignstream.bench.runtime.batching;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Measures the batcher's own overhead: a trivial batch function (a 64-bit mix per item, a few
 * nanoseconds) driven through {@link DynamicBatcher} at batch sizes 1 to 64, against the same
 * function called directly. Each row is run {@code --repeats} times and the run with the median
 * throughput is shown, with the range, because a shared 2-core machine is noisy. Prints a
 * Markdown table (and writes it with {@code --out FILE}).
 *
 * <pre>
 * ./mvnw -o -q -pl model-runtime compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp model-runtime/target/classes:$(cat model-runtime/target/cp.txt) \
 *     io.alignstream.bench.runtime.batching.BatcherBenchmark [--items 200000] [--clients 2]
 *     [--sizes 1,2,4,8,16,32,64] [--max-wait-ms 1] [--repeats 3] [--out FILE]
 * </pre>
 */
public final class BatcherBenchmark {

    private BatcherBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long items = 200_000;
        int clients = 2;
        int[] sizes = {1, 2, 4, 8, 16, 32, 64};
        long maxWaitMillis = 1;
        int repeats = 3;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--items" -> items = Long.parseLong(required(args[i], value));
                case "--clients" -> clients = Integer.parseInt(required(args[i], value));
                case "--sizes" -> sizes = Arrays.stream(required(args[i], value).split(","))
                        .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
                case "--max-wait-ms" -> maxWaitMillis = Long.parseLong(required(args[i], value));
                case "--repeats" -> repeats = Integer.parseInt(required(args[i], value));
                case "--out" -> out = Path.of(required(args[i], value));
                case "--help", "-h" -> {
                    System.out.println("usage: BatcherBenchmark [--items N] [--clients C] [--sizes 1,2,4,...]"
                            + " [--max-wait-ms W] [--repeats R] [--out FILE]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
            }
            i++;
        }
        if (items < 1 || clients < 1 || repeats < 1 || sizes.length == 0) {
            throw new IllegalArgumentException("--items, --clients and --repeats must be positive, --sizes non-empty");
        }
        String report = run(items, clients, sizes, Duration.ofMillis(maxWaitMillis), repeats);
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report);
            System.out.println("written to " + out.toAbsolutePath());
        }
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /** The trivial work: the SplitMix64 finalizer, a few nanoseconds per item. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static String run(long items, int clients, int[] sizes, Duration maxWait, int repeats) throws Exception {
        BatchFunction<Long, Long> trivial = batch -> {
            List<Long> outputs = new ArrayList<>(batch.size());
            for (Long x : batch) {
                outputs.add(mix(x));
            }
            return outputs;
        };
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "# Batcher overhead: %d items per run, median of %d runs per row, "
                + "%d client threads, maxWait %d ms, 1 worker, %d cores, Java %s%n%n", items, repeats, clients,
                maxWait.toMillis(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));

        // Warm up the JIT on every path once.
        LoadRun.direct(trivial, Long::valueOf, 8, items);
        for (int size : sizes) {
            measure(trivial, size, clients, maxWait, Math.max(items / 5, 1_000));
        }

        LoadRun.Result lone;
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(
                BatcherSettings.defaults("bench-lone").withMaxBatchSize(1).withMaxWait(Duration.ZERO), trivial)) {
            lone = LoadRun.closedLoop(batcher, Long::valueOf, 1, 1, Math.min(items, 50_000));
        }
        report.append(String.format(Locale.ROOT, "Round trip of a lone item (batch 1, maxWait 0, one client, "
                + "one item in flight): p50 %s, p99 %s%n%n", LatencySummary.human(lone.latency().p50Nanos()),
                LatencySummary.human(lone.latency().p99Nanos())));

        report.append("| max batch | in flight | items/s (median) | items/s (range) | ns/item | mean batch "
                + "| p50 latency | p99 latency | direct batched ns/item | overhead ns/item |\n");
        report.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int size : sizes) {
            List<Row> runs = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                runs.add(measure(trivial, size, clients, maxWait, items));
            }
            runs.sort(Comparator.comparingDouble(run -> run.result.itemsPerSecond()));
            Row row = runs.get(runs.size() / 2);
            LoadRun.Result batchedDirect = LoadRun.direct(trivial, Long::valueOf, size, items);
            report.append(String.format(Locale.ROOT,
                    "| %d | %d | %,.0f | %,.0f-%,.0f | %.0f | %.1f | %s | %s | %.0f | %.0f |%n",
                    size, row.inFlight, row.result.itemsPerSecond(), runs.get(0).result.itemsPerSecond(),
                    runs.get(runs.size() - 1).result.itemsPerSecond(), row.result.nanosPerItem(), row.meanBatch,
                    LatencySummary.human(row.result.latency().p50Nanos()),
                    LatencySummary.human(row.result.latency().p99Nanos()),
                    batchedDirect.nanosPerItem(), row.result.nanosPerItem() - batchedDirect.nanosPerItem()));
            if (row.result.failures() > 0) {
                report.append("  (").append(row.result.failures()).append(" items failed)\n");
            }
        }
        report.append("\nns/item is wall time per item (1 / throughput); overhead is that minus the same "
                + "function called directly on ready-made batches of the same size.\n");
        return report.toString();
    }

    private record Row(LoadRun.Result result, double meanBatch, int inFlight) {
    }

    private static Row measure(BatchFunction<Long, Long> function, int size, int clients, Duration maxWait,
            long items) throws InterruptedException {
        // Twice the batch size in flight: one batch forms while the previous one runs.
        int window = Math.max(1, (2 * size + clients - 1) / clients);
        BatcherStatistics stats = new BatcherStatistics();
        BatcherSettings settings = BatcherSettings.defaults("bench-" + size).withMaxBatchSize(size)
                .withMaxWait(maxWait).withQueueCapacity(Math.max(1024, 2 * clients * window));
        try (DynamicBatcher<Long, Long> batcher = DynamicBatcher.create(settings, function, stats)) {
            LoadRun.Result result = LoadRun.closedLoop(batcher, Long::valueOf, clients, window, items);
            return new Row(result, stats.meanBatchSize(), clients * window);
        }
    }
}

package io.alignstream.bench.runtime;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.AlignVlmProjector;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The model runtime's benchmark: per stage, items/s and per-call p50/p99 at batch sizes 1 to 64,
 * called as the service calls its models (one call per batch, on the calling thread:
 * docs/batching-in-streams.md); the batching speed-up; the fraction of this machine's matrix-multiply throughput (measured in the same run, same
 * engine) that the vision tower reaches; and the resident set over a long run. A command, not a
 * test: it prints a Markdown report and writes it to a file. Numbers on a shared machine are
 * noisy; compare ratios measured side by side in one run.
 */
public final class RuntimeBenchmark {
    private static final int DISTINCT_INPUTS = 256;

    /** What to run. */
    public record Options(List<Integer> batchSizes, double secondsPerPoint, long memoryItems, Path out) {
        public static Options defaults() {
            return new Options(List.of(1, 2, 4, 8, 16, 32, 64), 1.5, 100_000,
                    Path.of("target", "bench", "runtime-benchmark.md"));
        }
    }

    /** One measured point of one stage. */
    record Point(String stage, int batchSize, LoadRun.Result result) { }

    private final Options options;
    private final PrintStream console;
    private final StringBuilder report = new StringBuilder();

    public RuntimeBenchmark(Options options, PrintStream console) {
        this.options = options;
        this.console = console;
    }

    /** Runs everything, prints the report, writes it to {@link Options#out()}, and returns it. */
    public String run() throws Exception {
        Inputs inputs = Inputs.fromSyntheticWorld();
        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.loadDefault(), EngineConfig.defaults());
             VisionTower vision = runtime.newVisionTower();
             TeviAligner tevi = runtime.newTeviAligner();
             AlignVlmProjector align = runtime.newAlignVlmProjector();
             TextTower text = runtime.newTextTower()) {
            inputs.computeModelInputs(vision, text);
            line("# Model runtime benchmark");
            line("");
            line("- when: " + Instant.now() + "; cores: " + Runtime.getRuntime().availableProcessors()
                    + "; Java " + System.getProperty("java.version") + "; device: " + runtime.device());
            line("- bundle: " + runtime.bundle().manifest().modelId() + " " + runtime.bundle().manifest().version()
                    + "; command: `./alignstream bench runtime`; " + options.secondsPerPoint() + " s per point");
            line("");

            List<Point> points = new ArrayList<>();
            BatchFunction<float[], VisionEmbedding> visionFn = vision::embed;
            BatchFunction<Integer, TeviAlignment> teviFn = batch -> tevi.align(
                    batch.stream().map(i -> inputs.imageEmbeddings.get(i)).toList(),
                    batch.stream().map(i -> inputs.captionEmbeddings.get(i)).toList());
            BatchFunction<float[], AlignVlmProjection> alignFn = align::project;
            BatchFunction<String, float[]> textFn = batch -> List.of(text.embedAll(batch));
            ImagePreprocessor preprocessor = new ImagePreprocessor(inputs.imageSize, inputs.imageSize);
            BatchFunction<byte[], float[]> preprocessFn = batch -> {
                List<float[]> out = new ArrayList<>(batch.size());
                for (byte[] png : batch) {
                    out.add(preprocessor.preprocess(png, "image/png"));
                }
                return out;
            };
            points.add(measure("preprocess (PNG decode)", 1, preprocessFn, i -> inputs.pngs.get(i)));
            for (int batch : options.batchSizes()) {
                points.add(measure("vision", batch, visionFn, i -> inputs.images.get(i)));
                points.add(measure("tevi", batch, teviFn, i -> i));
                points.add(measure("alignvlm", batch, alignFn, i -> inputs.patchTokens.get(i)));
                points.add(measure("text (MiniLM, web caption)", batch, textFn, i -> inputs.captions.get(i)));
            }
            stageTable(points);
            speedUps(points);
            matmulFraction(runtime.bundle().manifest(), points);
            memory(vision, tevi, align, inputs);
        }
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
        console.println();
        console.println("Written to " + options.out());
        return report.toString();
    }

    private <I> Point measure(String stage, int batch, BatchFunction<I, ?> function,
                              java.util.function.IntFunction<I> input) throws Exception {
        // Calibrate the item count to about secondsPerPoint, after a warm-up of a few calls.
        LoadRun.Result warm = LoadRun.direct(function, i -> input.apply((int) (i % DISTINCT_INPUTS)), batch, batch * 3L);
        double perItem = Math.max(warm.seconds() / warm.items(), 1e-7);
        long items = Math.max(batch * 5L, (long) (options.secondsPerPoint() / perItem) / batch * batch);
        LoadRun.Result result = LoadRun.direct(function, i -> input.apply((int) (i % DISTINCT_INPUTS)), batch, items);
        console.printf(Locale.ROOT, "  %-24s batch %2d: %9.1f items/s%n", stage, batch, result.itemsPerSecond());
        return new Point(stage, batch, result);
    }

    private void stageTable(List<Point> points) {
        line("## Stages: throughput and per-call latency");
        line("");
        line("| stage | batch | items/s | p50 per call | p99 per call |");
        line("| --- | ---: | ---: | ---: | ---: |");
        for (Point p : points) {
            line(String.format(Locale.ROOT, "| %s | %d | %.1f | %s | %s |", p.stage(), p.batchSize(),
                    p.result().itemsPerSecond(), human(p.result().latency().p50Nanos()),
                    human(p.result().latency().p99Nanos())));
        }
        line("");
    }

    private void speedUps(List<Point> points) {
        line("## Batching speed-up (best batch against batch 1, same run)");
        line("");
        line("| stage | batch 1 items/s | best items/s | at batch | speed-up |");
        line("| --- | ---: | ---: | ---: | ---: |");
        for (String stage : points.stream().map(Point::stage).distinct().toList()) {
            List<Point> ofStage = points.stream().filter(p -> p.stage().equals(stage)).toList();
            if (ofStage.size() < 2) {
                continue;
            }
            Point one = ofStage.stream().filter(p -> p.batchSize() == 1).findFirst().orElse(ofStage.get(0));
            Point best = fastest(ofStage, stage);
            line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d | %.2fx |", stage,
                    one.result().itemsPerSecond(), best.result().itemsPerSecond(), best.batchSize(),
                    best.result().itemsPerSecond() / one.result().itemsPerSecond()));
        }
        line("");
    }

    private void matmulFraction(BundleManifest manifest, List<Point> points) {
        line("## Vision tower against this machine's matrix-multiply throughput");
        line("");
        double matmul;
        try (MatmulProbe probe = new MatmulProbe(java.util.Map.of())) {
            matmul = probe.measureGigaOps(512, Math.max(1.0, options.secondsPerPoint()));
        }
        OptionalLong macs = manifest.heads().get("vision").macsPerItem();
        Point best = fastest(points, "vision");
        line(String.format(Locale.ROOT, "- ONNX Runtime MatMul 512x512x512 (same engine and threads): %.2f GFLOP/s",
                matmul));
        if (macs.isEmpty()) {
            line("- the bundle's manifest gives no `heads.vision.macs_per_item`, so the fraction is not computed");
        } else {
            double gflops = 2.0 * macs.getAsLong() * best.result().itemsPerSecond() / 1e9;
            line(String.format(Locale.ROOT, "- vision tower: %.1f MMAC per image, at batch %d %.1f images/s = %.2f GFLOP/s",
                    macs.getAsLong() / 1e6, best.batchSize(), best.result().itemsPerSecond(), gflops));
            line(String.format(Locale.ROOT, "- fraction of matmul throughput reached: **%.0f%%**", 100 * gflops / matmul));
        }
        line("");
    }

    /** The resident set over a long run through all three heads: flat after warm-up, or not. */
    private void memory(VisionTower vision, TeviAligner tevi, AlignVlmProjector align, Inputs inputs) throws Exception {
        if (options.memoryItems() <= 0) {
            return;
        }
        line("## Resident set over " + options.memoryItems() + " items (vision + TEVI + AlignVLM, batch 32)");
        line("");
        line("| items done | resident set (MiB) | JVM heap used (MiB) |");
        line("| ---: | ---: | ---: |");
        long sampleEvery = Math.max(32, options.memoryItems() / 10 / 32 * 32);
        List<Long> afterWarmUp = new ArrayList<>();
        long done = 0;
        int cursor = 0;
        long start = System.nanoTime();
        while (done < options.memoryItems()) {
            List<float[]> images = new ArrayList<>(32);
            List<float[]> captions = new ArrayList<>(32);
            for (int k = 0; k < 32; k++, cursor = (cursor + 1) % DISTINCT_INPUTS) {
                images.add(inputs.images.get(cursor));
                captions.add(inputs.captionEmbeddings.get(cursor));
            }
            List<VisionEmbedding> embedded = vision.embed(images);
            tevi.align(embedded.stream().map(VisionEmbedding::embedding).toList(), captions);
            align.project(embedded.stream().map(VisionEmbedding::patchTokens).toList());
            done += 32;
            if (done % sampleEvery == 0 || done >= options.memoryItems()) {
                long rss = ResidentSet.currentBytes();
                Runtime rt = Runtime.getRuntime();
                long heap = rt.totalMemory() - rt.freeMemory();
                line(String.format(Locale.ROOT, "| %d | %.1f | %.1f |", done, rss / 1048576.0, heap / 1048576.0));
                if (done > sampleEvery) {
                    afterWarmUp.add(rss);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        line("");
        if (afterWarmUp.size() >= 2) {
            long first = afterWarmUp.get(0);
            long max = afterWarmUp.stream().mapToLong(Long::longValue).max().orElse(first);
            long last = afterWarmUp.get(afterWarmUp.size() - 1);
            line(String.format(Locale.ROOT, "After warm-up (first sample dropped): first %.1f MiB, last %.1f MiB, "
                    + "max %.1f MiB: growth %.1f MiB over %d items (%.0f items/s end to end).",
                    first / 1048576.0, last / 1048576.0, max / 1048576.0, (last - first) / 1048576.0,
                    options.memoryItems(), options.memoryItems() / seconds));
        }
        line("");
    }

    /** The measured point of {@code stage} with the most items/s. */
    private static Point fastest(List<Point> points, String stage) {
        return points.stream().filter(p -> p.stage().equals(stage))
                .max((a, b) -> Double.compare(a.result().itemsPerSecond(), b.result().itemsPerSecond()))
                .orElseThrow();
    }

    private static String human(long nanos) {
        return LatencySummary.human(nanos);
    }

    private void line(String text) {
        console.println(text);
        report.append(text).append('\n');
    }

    /** Benchmark inputs: distinct synthetic-world scenes, encoded and pre-computed once. */
    private static final class Inputs {
        final int imageSize = SyntheticWorld.IMAGE_SIZE;
        final List<byte[]> pngs = new ArrayList<>();
        final List<float[]> images = new ArrayList<>();
        final List<String> captions = new ArrayList<>();
        final List<float[]> imageEmbeddings = new ArrayList<>();
        final List<float[]> patchTokens = new ArrayList<>();
        final List<float[]> captionEmbeddings = new ArrayList<>();

        static Inputs fromSyntheticWorld() throws ImageRejectedException {
            Inputs inputs = new Inputs();
            SyntheticWorld world = new SyntheticWorld(20261122L);
            ImagePreprocessor preprocessor = new ImagePreprocessor(inputs.imageSize, inputs.imageSize);
            for (int i = 0; i < DISTINCT_INPUTS; i++) {
                WorldSample sample = world.sample(Split.TEST, i);
                byte[] png = sample.image().toPng();
                inputs.pngs.add(png);
                inputs.images.add(preprocessor.preprocess(png, "image/png"));
                inputs.captions.add(sample.webCaptions().get(i % sample.webCaptions().size()).text());
            }
            return inputs;
        }

        void computeModelInputs(VisionTower vision, TextTower text) {
            for (int start = 0; start < DISTINCT_INPUTS; start += 64) {
                for (VisionEmbedding e : vision.embed(images.subList(start, Math.min(DISTINCT_INPUTS, start + 64)))) {
                    imageEmbeddings.add(e.embedding());
                    patchTokens.add(e.patchTokens());
                }
            }
            captionEmbeddings.addAll(List.of(text.embedAll(captions)));
        }
    }

    /** The process's resident set, from /proc (Linux); -1 elsewhere. */
    static final class ResidentSet {
        private ResidentSet() {
        }

        static long currentBytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        String[] parts = line.trim().split("\\s+");
                        return Long.parseLong(parts[1]) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }
    }
}

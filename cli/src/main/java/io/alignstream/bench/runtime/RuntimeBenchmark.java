package io.alignstream.bench.runtime;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.ExecutionDevice;
import io.alignstream.runtime.engine.InferenceEngine;
import io.alignstream.runtime.engine.PrecisionSetting;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The model runtime's benchmark: per stage, items/s and per-call p50/p99 at batch sizes 1 to 64,
 * called as the service calls its models (one call per batch, on the calling thread:
 * docs/batching-in-streams.md); the batching speed-up; each head's share of this machine's
 * matrix-multiply throughput in the precision it runs (float MatMul or int8 MatMulInteger,
 * measured in the same run through the same engine); and the resident set over a long run. With
 * {@link Options#comparePrecisions()} it runs the stages in fp32 and then in int8 (one runtime
 * after the other) and sets them side by side. A command, not a test: it prints a Markdown report
 * and writes it to a file. Numbers on a shared machine are noisy; compare ratios measured side by
 * side in one run.
 */
public final class RuntimeBenchmark {
    private static final int DISTINCT_INPUTS = 256;
    /** Side of the square products the matrix-multiply probes time. */
    static final int PROBE_SIZE = 1024;

    /**
     * What to run.
     *
     * @param bundle            a bundle directory or zip; empty: the default bundle in the jar
     * @param device            where the heads run ({@code alignstream.model.device}'s values)
     * @param precision         which heads run int8 ({@code alignstream.model.precision}'s grammar);
     *                          ignored with {@code comparePrecisions}
     * @param comparePrecisions run everything in fp32, then in int8, and compare
     */
    public record Options(List<Integer> batchSizes, double secondsPerPoint, long memoryItems, Path out,
                          Optional<Path> bundle, DeviceSetting device, PrecisionSetting precision,
                          boolean comparePrecisions) {
        public Options {
            batchSizes = List.copyOf(batchSizes);
            if (batchSizes.isEmpty() || batchSizes.stream().anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException("batch sizes must be at least 1: " + batchSizes);
            }
            Objects.requireNonNull(bundle, "bundle");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(precision, "precision");
        }

        /** The default bundle on the CPU, precision auto, one precision. */
        public Options(List<Integer> batchSizes, double secondsPerPoint, long memoryItems, Path out) {
            this(batchSizes, secondsPerPoint, memoryItems, out, Optional.empty(), DeviceSetting.CPU,
                    PrecisionSetting.AUTO, false);
        }

        public static Options defaults() {
            return new Options(List.of(1, 2, 4, 8, 16, 32, 64), 1.5, 100_000,
                    Path.of("target", "bench", "runtime-benchmark.md"));
        }

        /** The precision settings to run, in order: fp32 then int8 when comparing, else the one given. */
        List<PrecisionSetting> precisionsToRun() {
            return comparePrecisions ? List.of(PrecisionSetting.FP32, PrecisionSetting.INT8) : List.of(precision);
        }

        /** The command line that gives these options. */
        String command() {
            Options d = defaults();
            StringBuilder command = new StringBuilder("./alignstream bench runtime");
            if (!batchSizes.equals(d.batchSizes())) {
                command.append(" --batch-sizes ").append(String.join(",",
                        batchSizes.stream().map(String::valueOf).toList()));
            }
            if (secondsPerPoint != d.secondsPerPoint()) {
                command.append(" --seconds-per-point ").append(secondsPerPoint);
            }
            if (memoryItems != d.memoryItems()) {
                command.append(" --memory-items ").append(memoryItems);
            }
            bundle.ifPresent(path -> command.append(" --bundle ").append(path));
            if (device != d.device()) {
                command.append(" --device ").append(device);
            }
            if (comparePrecisions) {
                command.append(" --compare-precisions");
            } else if (!precision.equals(d.precision())) {
                command.append(" --precision ").append(precision);
            }
            return command.toString();
        }
    }

    /** One measured point of one stage; {@code head} is null for a stage that is not a model call. */
    record Point(String stage, String head, int batchSize, LoadRun.Result result) { }

    /** The stages of one precision setting's run, with the precision each head ran in. */
    record StageRun(PrecisionSetting setting, Map<String, Precision> precisions, List<Point> points) { }

    /** A matrix-multiply probe's best rate in giga-operations (2 m n k) per second, or why there is none. */
    record ProbeRate(Precision precision, double gigaOps, String failure) {
        boolean measured() {
            return failure == null;
        }
    }

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
        ModelBundle bundle = options.bundle().map(ModelBundle::load).orElseGet(ModelBundle::loadDefault);
        EngineConfig engineConfig = EngineConfig.defaults().withDevice(options.device());
        List<StageRun> runs = new ArrayList<>();
        Map<Precision, ProbeRate> probes = new EnumMap<>(Precision.class);
        List<PrecisionSetting> settings = options.precisionsToRun();
        for (int i = 0; i < settings.size(); i++) {
            PrecisionSetting setting = settings.get(i);
            boolean last = i == settings.size() - 1;
            String suffix = options.comparePrecisions() ? " (" + setting + ")" : "";
            try (ModelRuntime runtime = ModelRuntime.open(bundle, engineConfig.withPrecision(setting));
                 VisionTower vision = runtime.newVisionTower();
                 TeviAligner tevi = runtime.newTeviAligner();
                 AlignVlmProjector align = runtime.newAlignVlmProjector();
                 TextTower text = runtime.newTextTower()) {
                if (i == 0) {
                    inputs.computeModelInputs(vision, text);
                    header(runtime);
                }
                line("## Precision" + suffix);
                line("");
                line("- `alignstream.model.precision = " + setting + "` on " + runtime.device().kind() + ": "
                        + Precision.describe(runtime.precisions()));
                line("");
                console.println("Stages" + suffix + ":");
                List<Point> points = stages(inputs, vision, tevi, align, text);
                StageRun run = new StageRun(setting, runtime.precisions(), points);
                runs.add(run);
                stageTable(run, suffix);
                speedUps(points, suffix);
                if (probes.isEmpty()) {
                    probes.putAll(probe(runtime.device(), engineConfig.intraOpThreads()));
                }
                matmulShares(runtime.bundle().manifest(), run, probes, suffix);
                if (last) {
                    memory(vision, tevi, align, inputs, suffix);
                }
            }
        }
        if (runs.size() == 2) {
            comparison(runs.get(0), runs.get(1));
        }
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
        console.println();
        console.println("Written to " + options.out());
        return report.toString();
    }

    private void header(ModelRuntime runtime) {
        line("# Model runtime benchmark");
        line("");
        line("- when: " + Instant.now() + "; cores: " + Runtime.getRuntime().availableProcessors()
                + "; Java " + System.getProperty("java.version") + "; device: " + runtime.device());
        line("- bundle: " + runtime.bundle().manifest().modelId() + " " + runtime.bundle().manifest().version()
                + " (" + runtime.bundle().location() + "); command: `" + options.command() + "`; "
                + options.secondsPerPoint() + " s per point");
        line("");
    }

    private List<Point> stages(Inputs inputs, VisionTower vision, TeviAligner tevi, AlignVlmProjector align,
                               TextTower text) throws Exception {
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
        points.add(measure("preprocess (PNG decode)", null, 1, preprocessFn, i -> inputs.pngs.get(i)));
        for (int batch : options.batchSizes()) {
            points.add(measure("vision", BundleManifest.VISION, batch, visionFn, i -> inputs.images.get(i)));
            points.add(measure("tevi", BundleManifest.TEVI, batch, teviFn, i -> i));
            points.add(measure("alignvlm", BundleManifest.ALIGN, batch, alignFn, i -> inputs.patchTokens.get(i)));
            points.add(measure("text (MiniLM, web caption)", BundleManifest.TEXT, batch, textFn,
                    i -> inputs.captions.get(i)));
        }
        return points;
    }

    /** Both probes through an engine on the heads' device and threads; a probe that cannot run says why. */
    private Map<Precision, ProbeRate> probe(ExecutionDevice device, int intraOpThreads) {
        Map<Precision, ProbeRate> rates = new EnumMap<>(Precision.class);
        try (InferenceEngine engine = new InferenceEngine(device, intraOpThreads)) {
            for (Precision precision : Precision.values()) {
                try (MatmulProbe probe = MatmulProbe.on(engine, precision)) {
                    rates.put(precision, new ProbeRate(precision,
                            probe.measureGigaOps(PROBE_SIZE, Math.max(1.0, options.secondsPerPoint())), null));
                } catch (RuntimeException e) {
                    rates.put(precision, new ProbeRate(precision, Double.NaN, e.getMessage()));
                }
                console.printf(Locale.ROOT, "  probe %-4s %s%n", precision, rates.get(precision).measured()
                        ? String.format(Locale.ROOT, "%.2f GOP/s", rates.get(precision).gigaOps())
                        : "failed: " + rates.get(precision).failure());
            }
        }
        return rates;
    }

    private <I> Point measure(String stage, String head, int batch, BatchFunction<I, ?> function,
                              java.util.function.IntFunction<I> input) throws Exception {
        // Calibrate the item count to about secondsPerPoint, after a warm-up of a few calls.
        LoadRun.Result warm = LoadRun.direct(function, i -> input.apply((int) (i % DISTINCT_INPUTS)), batch, batch * 3L);
        double perItem = Math.max(warm.seconds() / warm.items(), 1e-7);
        long items = Math.max(batch * 5L, (long) (options.secondsPerPoint() / perItem) / batch * batch);
        LoadRun.Result result = LoadRun.direct(function, i -> input.apply((int) (i % DISTINCT_INPUTS)), batch, items);
        console.printf(Locale.ROOT, "  %-24s batch %2d: %9.1f items/s%n", stage, batch, result.itemsPerSecond());
        return new Point(stage, head, batch, result);
    }

    private void stageTable(StageRun run, String suffix) {
        line("## Stages: throughput and per-call latency" + suffix);
        line("");
        line("| stage | precision | batch | items/s | p50 per call | p99 per call |");
        line("| --- | --- | ---: | ---: | ---: | ---: |");
        for (Point p : run.points()) {
            line(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %s | %s |", p.stage(),
                    p.head() == null ? "-" : run.precisions().get(p.head()), p.batchSize(),
                    p.result().itemsPerSecond(), human(p.result().latency().p50Nanos()),
                    human(p.result().latency().p99Nanos())));
        }
        line("");
    }

    private void speedUps(List<Point> points, String suffix) {
        line("## Batching speed-up: best batch against batch 1, same run" + suffix);
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

    private void matmulShares(BundleManifest manifest, StageRun run, Map<Precision, ProbeRate> probes, String suffix) {
        line("## Heads against this machine's matrix-multiply throughput" + suffix);
        line("");
        for (ProbeRate probe : probes.values()) {
            String op = probe.precision() == Precision.FP32
                    ? "MatMul float32" : "MatMulInteger uint8 x int8 -> int32";
            line(String.format(Locale.ROOT, "- ONNX Runtime %s %dx%dx%d (same engine and threads): %s", op,
                    PROBE_SIZE, PROBE_SIZE, PROBE_SIZE, probe.measured()
                            ? String.format(Locale.ROOT, "%.2f G%s/s", probe.gigaOps(),
                                    probe.precision() == Precision.FP32 ? "FLOP" : "OP")
                            : "not measured: " + probe.failure()));
        }
        line("");
        line("An int8 head's multiply-accumulates (`heads.<h>.int8.macs_per_item`, else the fp32 head's) are"
                + " counted against the int8 rate, including any its file still runs in float.");
        line("");
        line("| stage | precision | MMAC per item | best items/s | at batch | GOP/s | share of the matmul rate"
                + " in its precision |");
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Point best : bestPerHead(run.points())) {
            Precision precision = run.precisions().get(best.head());
            HeadShare share = HeadShare.of(manifest.head(best.head()), precision, best.result().itemsPerSecond(),
                    probes.get(precision));
            line(share.row(best.stage(), best.batchSize()));
        }
        line("");
    }

    /** fp32 and int8 side by side per stage, each at its best batch size. */
    private void comparison(StageRun fp32, StageRun int8) {
        line("## int8 against fp32 (each at its best batch size; one runtime after the other, same run)");
        line("");
        line("| stage | heads' precision (fp32 run / int8 run) | fp32 items/s | at batch | int8 items/s | at batch"
                + " | int8 / fp32 |");
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Point a : bestPerHead(fp32.points())) {
            Point b = fastest(int8.points(), a.stage());
            line(String.format(Locale.ROOT, "| %s | %s / %s | %.1f | %d | %.1f | %d | **%.2fx** |", a.stage(),
                    fp32.precisions().get(a.head()), int8.precisions().get(b.head()),
                    a.result().itemsPerSecond(), a.batchSize(), b.result().itemsPerSecond(), b.batchSize(),
                    b.result().itemsPerSecond() / a.result().itemsPerSecond()));
        }
        line("");
        line("A head that has no int8 file runs fp32 in both runs: its ratio shows the run-to-run noise.");
        line("");
    }

    /** The fastest point of each model stage, in stage order. */
    private static List<Point> bestPerHead(List<Point> points) {
        return points.stream().filter(p -> p.head() != null).map(Point::stage).distinct()
                .map(stage -> fastest(points, stage)).toList();
    }

    /** "vision fp32, text int8, ..." */

    /**
     * A head's share of the matrix-multiply rate of its precision: its multiply-accumulates per
     * item (for an int8 head {@code heads.<h>.int8.macs_per_item} where given, else the fp32
     * head's) x 2 x items/s, over the probe's operations per second.
     */
    record HeadShare(Precision precision, OptionalLong macsPerItem, double itemsPerSecond, ProbeRate probe) {

        static HeadShare of(BundleManifest.Head head, Precision precision, double itemsPerSecond, ProbeRate probe) {
            OptionalLong macs = head.macsPerItem();
            if (precision == Precision.INT8) {
                OptionalLong int8 = head.int8().map(BundleManifest.Variant::macsPerItem).orElse(OptionalLong.empty());
                if (int8.isPresent()) {
                    macs = int8;
                }
            }
            return new HeadShare(precision, macs, itemsPerSecond, probe);
        }

        /** Operations (2 per multiply-accumulate) per second the head reached; NaN without a count. */
        double gigaOps() {
            return macsPerItem.isEmpty() ? Double.NaN : 2.0 * macsPerItem.getAsLong() * itemsPerSecond / 1e9;
        }

        /** The share of the probe's rate, 0..1 (more is possible: the probe is one product); NaN when unknown. */
        double share() {
            return probe == null || !probe.measured() ? Double.NaN : gigaOps() / probe.gigaOps();
        }

        String row(String stage, int batch) {
            if (macsPerItem.isEmpty()) {
                return String.format(Locale.ROOT, "| %s | %s | - | %.1f | %d | - | not computed (the manifest gives"
                        + " no macs_per_item) |", stage, precision, itemsPerSecond, batch);
            }
            String share = Double.isNaN(share()) ? "not computed (no " + precision + " probe rate)"
                    : String.format(Locale.ROOT, "**%.0f%%**", 100 * share());
            return String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %d | %.2f | %s |", stage, precision,
                    macsPerItem.getAsLong() / 1e6, itemsPerSecond, batch, gigaOps(), share);
        }
    }

    /** The resident set over a long run through all three heads: flat after warm-up, or not. */
    private void memory(VisionTower vision, TeviAligner tevi, AlignVlmProjector align, Inputs inputs, String suffix)
            throws Exception {
        if (options.memoryItems() <= 0) {
            return;
        }
        line("## Resident set over " + options.memoryItems() + " items (vision + TEVI + AlignVLM, batch 32)" + suffix);
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

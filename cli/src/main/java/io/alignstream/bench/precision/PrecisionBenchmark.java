package io.alignstream.bench.precision;

import io.alignstream.bench.precision.PrecisionPass.RetrievalKey;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.SubCaptionSplitter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The quality cost of int8 (issue 18): the same set through the bundle opened in fp32 and then,
 * once that runtime is closed, opened with every int8 file it has; per head output the cosine of
 * each item's int8 output with its fp32 output, and retrieval recall in each precision.
 */
public final class PrecisionBenchmark {

    /** Output names in the report, head.output as the manifest names them. */
    static final String VISION_EMBEDDING = "vision.embedding";
    static final String VISION_PATCH_TOKENS = "vision.patch_tokens";
    static final String TEXT_EMBEDDING = "text.embedding (caption rule)";
    static final String TEVI_QUERY = "tevi.caption_aligned (q)";
    static final String ALIGN_POOLED = "align.pooled";
    static final String ALIGN_PROJECTED = "align.projected_tokens";
    static final String ALIGN_TOP_IDS = "align.top_ids (share of ids shared)";

    private final ModelBundle bundle;
    private final BenchSource source;
    private final Consumer<String> progress;
    private final PrecisionSetting int8Setting;

    /** fp32 against every int8 file the bundle has. */
    public PrecisionBenchmark(ModelBundle bundle, BenchSource source, Consumer<String> progress) {
        this(bundle, source, progress, PrecisionSetting.INT8);
    }

    /**
     * fp32 against the second run's setting, e.g. {@code int8,text=fp32}: which head's int8
     * file costs what.
     */
    public PrecisionBenchmark(ModelBundle bundle, BenchSource source, Consumer<String> progress,
                              PrecisionSetting int8Setting) {
        this.bundle = bundle;
        this.source = source;
        this.progress = progress;
        this.int8Setting = int8Setting;
    }

    /**
     * The comparison.
     *
     * @param int8Setting       the int8 run's alignstream.model.precision
     * @param int8Heads         the heads the int8 run ran int8 (empty: nothing was run)
     * @param int8Precisions    every head's precision in the int8 run
     * @param cosines           per output, int8 against fp32 over items
     * @param fp32              recall per row in fp32
     * @param int8              recall per row in int8
     */
    record Comparison(String bundle, String source, String int8Setting, List<String> int8Heads, Map<String, Precision> int8Precisions,
                      int images, int shortCaptions, int longCaptions, int rejectedImages, int refusedCaptions,
                      Map<String, ItemCosines> cosines, Map<RetrievalKey, Recall.Result> fp32,
                      Map<RetrievalKey, Recall.Result> int8, Map<String, Double> seconds) {

        boolean nothingToCompare() {
            return int8Heads.isEmpty();
        }
    }

    public Comparison run() {
        long started = System.nanoTime();
        EngineConfig cpu = EngineConfig.defaults().withDevice(DeviceSetting.CPU);
        Map<String, Precision> planned = int8Setting.resolve(bundle.manifest(), false);
        List<String> int8Heads = planned.entrySet().stream().filter(e -> e.getValue() == Precision.INT8)
                .map(Map.Entry::getKey).toList();
        Map<String, Double> seconds = new LinkedHashMap<>();
        if (int8Heads.isEmpty()) {
            seconds.put("total", (System.nanoTime() - started) / 1e9);
            return new Comparison(bundle.toString(), source.description(), int8Setting.toString(), int8Heads, planned, 0, 0, 0, 0, 0,
                    Map.of(), Map.of(), Map.of(), seconds);
        }
        if (!bundle.manifest().servable()) {
            throw new IllegalArgumentException(bundle + " holds encoders only (no tevi and align heads): train its"
                    + " heads first; retrieval and projections need them");
        }
        long scorerStarted = System.nanoTime();
        // The decoder is read from the fp32 tevi graph: the scorer is exact for either precision's codes.
        TeviRetrievalScorer scorer = TeviRetrievalScorer.of(bundle);
        seconds.put("TEVI scorer (Gram matrix)", (System.nanoTime() - scorerStarted) / 1e9);

        Map<String, ItemCosines> cosines = new LinkedHashMap<>();
        ItemCosines patchTokens = new ItemCosines();
        ItemCosines projectedTokens = new ItemCosines();
        RetrievalSet set;
        PrecisionPass.Result fp32;
        PrecisionPass.Result int8;
        int tokens = bundle.dims().patchTokens();
        int patchLength = tokens * bundle.dims().patchDim();
        int projectedLength = tokens * bundle.dims().embedding();
        try (TokenSpill spill = new TokenSpill()) {
            long opened = System.nanoTime();
            try (ModelRuntime runtime = ModelRuntime.open(bundle, cpu.withPrecision(PrecisionSetting.FP32))) {
                set = prepare(runtime);
                progress.accept(String.format("set: %d images, %d captions", set.imageCount(), set.captions().size()));
                fp32 = PrecisionPass.run(runtime, set, scorer, (patches, projected) -> {
                    spill.write(patches);
                    spill.write(projected);
                }, progress);
            }
            seconds.put("fp32 pass", (System.nanoTime() - opened) / 1e9);
            spill.rewind();
            opened = System.nanoTime();
            try (ModelRuntime runtime = ModelRuntime.open(bundle, cpu.withPrecision(int8Setting))) {
                int8 = PrecisionPass.run(runtime, set, scorer, (patches, projected) -> {
                    // Read back in the order the fp32 pass wrote: this batch's patches, then its projections.
                    patches.forEach(row -> patchTokens.addCosine(row, spill.read(patchLength)));
                    projected.forEach(row -> projectedTokens.addCosine(row, spill.read(projectedLength)));
                }, progress);
            }
            seconds.put("int8 pass", (System.nanoTime() - opened) / 1e9);
        }
        seconds.put("fp32: of which TEVI and raw scoring, recall", fp32.scoreSeconds());
        seconds.put("int8: of which TEVI and raw scoring, recall", int8.scoreSeconds());

        cosines.put(VISION_EMBEDDING, rows(int8.imageEmbeddings(), fp32.imageEmbeddings()));
        cosines.put(VISION_PATCH_TOKENS, patchTokens);
        cosines.put(TEXT_EMBEDDING, rows(int8.captionEmbeddings(), fp32.captionEmbeddings()));
        if (fp32.queries() != null) {
            cosines.put(TEVI_QUERY, rows(int8.queries(), fp32.queries()));
        }
        cosines.put(ALIGN_POOLED, rows(int8.pooled(), fp32.pooled()));
        cosines.put(ALIGN_PROJECTED, projectedTokens);
        ItemCosines ids = new ItemCosines();
        for (int i = 0; i < fp32.topIds().length; i++) {
            ids.add(ItemCosines.sharedShare(int8.topIds()[i], fp32.topIds()[i]));
        }
        cosines.put(ALIGN_TOP_IDS, ids);
        seconds.put("total", (System.nanoTime() - started) / 1e9);
        int shortCaptions = set.captionsOf(io.alignstream.text.CaptionLength.SHORT).length;
        return new Comparison(bundle.toString(), source.description(), int8Setting.toString(), int8Heads, int8.precisions(), set.imageCount(),
                shortCaptions, set.captions().size() - shortCaptions, set.rejectedImages(), set.refusedCaptions(),
                cosines, fp32.recall(), int8.recall(), seconds);
    }

    /** The set fixed once, with the fp32 runtime's tokenizer (the same file in both precisions). */
    private RetrievalSet prepare(ModelRuntime runtime) {
        int size = bundle.manifest().preprocessing().imageSize();
        try (TextTower text = runtime.newTextTower()) {
            return RetrievalSet.of(source, new ImagePreprocessor(size, size),
                    new CaptionPreparer(new SubCaptionSplitter(text, SubCaptionSplitter.DEFAULT_MAX_TOKENS)));
        }
    }

    private static ItemCosines rows(float[][] int8, float[][] fp32) {
        ItemCosines out = new ItemCosines();
        for (int i = 0; i < fp32.length; i++) {
            out.addCosine(int8[i], fp32[i]);
        }
        return out;
    }

    /** Whether the int8 run ran the TEVI head itself in int8 (its scorer's decoder is fp32's). */
    static boolean teviInt8(Comparison comparison) {
        return comparison.int8Precisions().get(BundleManifest.TEVI) == Precision.INT8;
    }
}

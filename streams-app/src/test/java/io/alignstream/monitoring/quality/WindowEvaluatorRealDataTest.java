package io.alignstream.monitoring.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.faults.TestFaults;
import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VocabularyWord;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.text.CaptionLength;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.CaptionRejectedException;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The figures on real data: synthetic-world test scenes, embedded by the default bundle through
 * the service's own inference path (the preprocessor, vision tower, TEVI codes, MiniLM with the
 * sub-caption rule, TEVI masks, AlignVLM), scored with the runtime's exact TEVI scorer. Three
 * windows of the same 64 scenes: healthy; the captions shuffled between images; the images
 * corrupted with heavy pixel noise. Drift is measured against a reference window of 64 other
 * scenes. The samples are built once for the class (model loading and embedding take seconds).
 */
class WindowEvaluatorRealDataTest {

    private static final int SCENES = 64;
    private static final int REFERENCE_SCENES = 48;
    private static final double NOISE_SIGMA = 80;   // pixel values 0..255
    private static long lastLap;

    private static WindowEvaluator evaluator;
    private static QualityWindow healthy;
    private static QualityWindow shuffled;
    private static QualityWindow corrupted;
    private static QualityWindow referenceWindow;
    private static ReferenceWindow reference;

    @BeforeAll
    static void embedScenes() throws Exception {
        long start = System.nanoTime();
        lastLap = start;
        ModelBundle bundle = ModelBundle.loadDefault();
        evaluator = new WindowEvaluator(TeviRetrievalScorer.of(bundle), DefaultConfig.qualitySettings());
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(bundle.manifest().worldSeed()), Split.TEST);
        try (InferenceModels models = RuntimeInferenceModels.owning(ModelRuntime.open(bundle, EngineConfig.defaults()), ImageLimits.defaults(), TestFaults.defaults());
             InferenceSession session = models.openSession()) {
            Embedder embedder = new Embedder(models, session);
            List<SceneEvents> scenes = IntStream.range(0, SCENES).mapToObj(i -> events.scene(i, Instant.EPOCH)).toList();
            List<SceneEvents> referenceScenes = IntStream.range(SCENES, SCENES + REFERENCE_SCENES)
                    .mapToObj(i -> events.scene(i, Instant.EPOCH)).toList();
            lap("models loaded");
            Captions captions = embedder.captions(scenes);
            lap("captions embedded");
            healthy = embedder.window(scenes, embedder.images(scenes, false, true), captions);
            lap("healthy window");
            // the corrupted window: the same scenes and captions, noisy pixels
            corrupted = embedder.window(scenes, embedder.images(scenes, true, true), captions);
            lap("corrupted window");
            referenceWindow = embedder.window(referenceScenes, embedder.images(referenceScenes, false, false),
                    embedder.captions(referenceScenes));
            lap("reference window");
        }
        reference = evaluator.reference(referenceWindow);
        shuffled = shuffleCaptions(healthy);
        System.out.printf("real-data windows built in %.1f s: %d pairs over %d images (reference: %d over %d)%n",
                (System.nanoTime() - start) / 1e9, healthy.pairs().size(), SCENES, referenceWindow.pairs().size(),
                REFERENCE_SCENES);
    }

    private static void lap(String what) {
        long now = System.nanoTime();
        System.out.printf("  %s: %.1f s%n", what, (now - lastLap) / 1e9);
        lastLap = now;
    }

    /** Every pair keeps its image and gets another pair's caption (a fixed-seed permutation). */
    private static QualityWindow shuffleCaptions(QualityWindow window) {
        List<PairSample> pairs = window.pairs();
        List<Integer> order = new ArrayList<>(IntStream.range(0, pairs.size()).boxed().toList());
        Collections.shuffle(order, new Random(6));
        List<PairSample> out = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) {
            PairSample donor = pairs.get(order.get(p));
            out.add(pairs.get(p).withCaption(donor.captionId(), donor.captionEmbedding(), donor.captionQuery(),
                    donor.captionMask(), donor.captionLength()));
        }
        return new QualityWindow(out, window.alignVlm(), window.deadLetters());
    }

    @Test
    void healthyCaptionsFindTheirImagesAndShuffledOnesDoNot() {
        // given the healthy window and the same window with captions shuffled between images
        QualityFigures good = evaluator.evaluate(healthy, reference);
        QualityFigures bad = evaluator.evaluate(shuffled, reference);
        print("healthy", good);
        print("shuffled captions", bad);
        QualityFigures.Retrieval g = good.retrieval().orElseThrow();
        QualityFigures.Retrieval b = bad.retrieval().orElseThrow();
        // then healthy retrieval is high in both directions, for raw and TEVI (Recall@1 is held down by
        // the short web captions, "a red circle", which fit several of the 64 images equally well)
        for (QualityFigures.Directions directions : List.of(g.raw(), g.tevi())) {
            assertThat(directions.textToImage().recallAt(5)).isGreaterThan(0.7);
            assertThat(directions.textToImage().recallAt(10)).isGreaterThan(0.85);
            assertThat(directions.imageToText().recallAt(10)).isGreaterThan(0.85);
        }
        // and shuffled retrieval collapses to about chance (Recall@10 of 64 images ~ 0.16)
        for (QualityFigures.Directions directions : List.of(b.raw(), b.tevi())) {
            assertThat(directions.textToImage().recallAt(10)).isLessThan(0.35);
            assertThat(directions.textToImage().meanReciprocalRank())
                    .isLessThan(g.raw().textToImage().meanReciprocalRank() / 3);
        }
        // and true pairs no longer stand out from random ones
        assertThat(good.alignment().orElseThrow().raw().margin().getAsDouble())
                .isGreaterThan(3 * Math.abs(bad.alignment().orElseThrow().raw().margin().getAsDouble()));
        // and TEVI minus raw is exactly the difference of the two
        assertThat(g.teviMinusRaw().textToImage().recallAt(1))
                .isCloseTo(g.tevi().textToImage().recallAt(1) - g.raw().textToImage().recallAt(1), within(1e-12));
        // and the shuffled window did not drift: same images, same captions, other pairing
        assertThat(bad.drift().orElseThrow().images().mmd2().getAsDouble())
                .isCloseTo(good.drift().orElseThrow().images().mmd2().getAsDouble(), within(1e-9));
    }

    @Test
    void shortAndLongCaptionsEachGetTheirOwnFiguresInAWindowWithBoth() {
        // given the healthy window: each scene's four web captions and its long description, each
        // caption short or long by the service's rule (more than one 32-token sub-caption is long)
        QualityFigures figures = evaluator.evaluate(healthy);
        QualityWindow shortOnly = only(healthy, CaptionLength.SHORT);
        QualityWindow longOnly = only(healthy, CaptionLength.LONG);
        print("healthy, by caption length", figures);
        QualityFigures.LengthRetrieval shortFigures = figures.retrieval(CaptionLength.SHORT).orElseThrow();
        QualityFigures.LengthRetrieval longFigures = figures.retrieval(CaptionLength.LONG).orElseThrow();

        // then both lengths are counted, and every pair is one or the other
        assertThat(figures.volume().shortCaptions()).isEqualTo(shortOnly.pairs().size()).isPositive();
        assertThat(figures.volume().longCaptions()).isEqualTo(longOnly.pairs().size()).isPositive();
        assertThat(figures.volume().shortCaptions() + figures.volume().longCaptions()).isEqualTo(healthy.pairs().size());
        assertThat(shortFigures.captions()).isEqualTo(figures.volume().shortCaptions());
        assertThat(longFigures.captions()).isEqualTo(figures.volume().longCaptions());
        // and the short figures are exactly those of a window of the short captions alone (every image has
        // four, so that window has the same images), in both directions, raw, TEVI and their difference
        assertSameRetrieval(shortFigures.retrieval(), evaluator.evaluate(shortOnly).retrieval().orElseThrow(), true);
        // and the long figures' image->text is that of a window of the long captions alone (an image ranks
        // the long captions only); their text->image ranks each long caption against all the window's
        // images, so with the short ones the window's text->image is the captions' weighted mean
        assertSameRetrieval(longFigures.retrieval(), evaluator.evaluate(longOnly).retrieval().orElseThrow(), false);
        QualityFigures.Retrieval whole = figures.retrieval().orElseThrow();
        int n = healthy.pairs().size();
        for (int k : DefaultConfig.qualitySettings().ks()) {
            for (Function<QualityFigures.Retrieval, QualityFigures.Directions> side
                    : List.<Function<QualityFigures.Retrieval, QualityFigures.Directions>>of(
                            QualityFigures.Retrieval::raw, QualityFigures.Retrieval::tevi)) {
                double weighted = (side.apply(shortFigures.retrieval()).textToImage().recallAt(k) * shortFigures.captions()
                        + side.apply(longFigures.retrieval()).textToImage().recallAt(k) * longFigures.captions()) / n;
                assertThat(weighted).isCloseTo(side.apply(whole).textToImage().recallAt(k), within(1e-12));
            }
        }
        // and the report's metrics name them by length
        assertThat(figures.metrics()).containsKeys("short.raw.t2i.recall_at_1", "long.tevi.t2i.recall_at_1",
                "long.tevi_minus_raw.t2i.recall_at_1", "short.tevi_minus_raw.i2t.mrr", "volume.long_captions");
        assertThat(figures.metrics().get("long.tevi_minus_raw.t2i.recall_at_1"))
                .isCloseTo(longFigures.retrieval().tevi().textToImage().recallAt(1)
                        - longFigures.retrieval().raw().textToImage().recallAt(1), within(1e-12));
    }

    @Test
    void aWindowOfShortCaptionsOnlyHasNoLongFigure() {
        // given the healthy window's short captions alone
        QualityWindow shortOnly = only(healthy, CaptionLength.SHORT);

        // when it is evaluated
        QualityFigures figures = evaluator.evaluate(shortOnly, reference);

        // then it has short figures and no long ones: no entry, no metric, and a count of 0 long captions
        assertThat(figures.retrieval(CaptionLength.SHORT)).isPresent();
        assertThat(figures.retrieval(CaptionLength.LONG)).isEmpty();
        assertThat(figures.metrics().keySet()).noneMatch(name -> name.startsWith("long."));
        assertThat(figures.metrics()).containsEntry("volume.long_captions", 0.0)
                .containsEntry("volume.short_captions", (double) shortOnly.pairs().size());
    }

    @Test
    void pairsWhoseLengthIsUnknownCountInTheWindowButInNeitherLength() {
        // given the healthy window as records from before TeviEmbedding v3 would give it: no length known
        QualityWindow unknown = new QualityWindow(healthy.pairs().stream().map(p -> p.withCaptionLength(null)).toList(),
                healthy.alignVlm(), healthy.deadLetters());

        // when it is evaluated
        QualityFigures figures = evaluator.evaluate(unknown);

        // then the window's own figures are those of the healthy window, and there is no split
        assertThat(figures.retrieval()).isEqualTo(evaluator.evaluate(healthy).retrieval());
        assertThat(figures.byCaptionLength()).isEmpty();
        assertThat(figures.volume().shortCaptions() + figures.volume().longCaptions()).isZero();
    }

    /** The window's pairs of one caption length (and its AlignVLM samples). */
    private static QualityWindow only(QualityWindow window, CaptionLength length) {
        return new QualityWindow(window.pairs().stream().filter(p -> p.captionLength() == length).toList(),
                window.alignVlm(), window.deadLetters());
    }

    /** The same figures, image->text always, text->image when asked. */
    private static void assertSameRetrieval(QualityFigures.Retrieval actual, QualityFigures.Retrieval expected,
                                            boolean textToImageToo) {
        List<Function<QualityFigures.Retrieval, QualityFigures.Directions>> sides =
                List.of(QualityFigures.Retrieval::raw, QualityFigures.Retrieval::tevi, QualityFigures.Retrieval::teviMinusRaw);
        for (Function<QualityFigures.Retrieval, QualityFigures.Directions> side : sides) {
            assertThat(side.apply(actual).imageToText()).isEqualTo(side.apply(expected).imageToText());
            if (textToImageToo) {
                assertThat(side.apply(actual).textToImage()).isEqualTo(side.apply(expected).textToImage());
            }
        }
    }

    @Test
    void theScorersTrueCosineIsTheHeadsAlignedCosine() {
        // given the healthy window, whose pairs carry the TEVI head's aligned embeddings
        QualityFigures figures = evaluator.evaluate(healthy);
        double headMean = healthy.pairs().stream()
                .mapToDouble(p -> Vectors.dot(Vectors.normalised(p.alignedEmbedding()), Vectors.normalised(p.captionQuery())))
                .average().orElseThrow();
        // then the evaluator's TEVI true-pair cosine (from codes and masks through the scorer) agrees
        assertThat(figures.alignment().orElseThrow().tevi().truePairs()).isCloseTo(headMean, within(1e-5));
        assertThat(figures.alignment().orElseThrow().teviModalityGap()).isPresent();
    }

    @Test
    void corruptedImagesDriftFromTheReference() {
        // given the healthy window and the same scenes with heavy noise on every pixel
        QualityFigures good = evaluator.evaluate(healthy, reference);
        QualityFigures bad = evaluator.evaluate(corrupted, reference);
        print("corrupted images", bad);
        QualityFigures.ModalityDrift goodImages = good.drift().orElseThrow().images();
        QualityFigures.ModalityDrift badImages = bad.drift().orElseThrow().images();
        // then image drift rises: MMD^2 and centroid distance well above the healthy window's
        assertThat(badImages.mmd2().getAsDouble()).isGreaterThan(3 * Math.max(goodImages.mmd2().getAsDouble(), 0.01));
        assertThat(badImages.centroidDistance()).isGreaterThan(2 * goodImages.centroidDistance());
        // and the captions, untouched, drift no more than the healthy window's do
        assertThat(bad.drift().orElseThrow().captions().mmd2().getAsDouble())
                .isCloseTo(good.drift().orElseThrow().captions().mmd2().getAsDouble(), within(1e-9));
        // and retrieval suffers too
        assertThat(bad.retrieval().orElseThrow().raw().textToImage().meanReciprocalRank())
                .isLessThan(good.retrieval().orElseThrow().raw().textToImage().meanReciprocalRank());
    }

    @Test
    void aWindowOf512PairsEvaluatesInWellUnderASecond() {
        // given 512 pairs as a stream brings them (about 5 captions per image: 103 images), and
        // the worst case of 512 distinct images with one caption each
        List<PairSample> all = new ArrayList<>(healthy.pairs());
        all.addAll(referenceWindow.pairs());
        QualityWindow typical = new QualityWindow(all.subList(0, 512), healthy.alignVlm(), 0);
        List<PairSample> distinct = new ArrayList<>();
        for (int p = 0; p < 512; p++) {
            PairSample pair = all.get(p);
            distinct.add(new PairSample(pair.imageId() + "#" + p, pair.captionId(), pair.imageEmbedding(), pair.imageCode(),
                    pair.captionEmbedding(), pair.captionQuery(), pair.captionMask(), pair.alignedEmbedding()));
        }
        QualityWindow worst = new QualityWindow(distinct, healthy.alignVlm(), 0);
        // when each is evaluated on this thread, with drift, after a warm-up
        double typicalSeconds = medianSeconds(typical);
        double worstSeconds = medianSeconds(worst);
        System.out.printf("evaluation of 512 pairs, one thread, with drift: %.3f s over %d images; %.3f s over 512 images%n",
                typicalSeconds, evaluator.evaluate(typical).volume().images(), worstSeconds);
        // then the typical window takes well under a second (0.2 s on a quiet core; the bounds are
        // loose because the test machine's cores are shared and have measured 2-4x slower) and the
        // worst case, I x P TEVI scores at O(k^2) each, stays within a few seconds
        assertThat(typicalSeconds).isLessThan(1.5);
        assertThat(worstSeconds).isLessThan(5.0);
    }

    private static double medianSeconds(QualityWindow window) {
        double[] runs = new double[3];
        evaluator.evaluate(window, reference);   // warm-up
        for (int r = 0; r < runs.length; r++) {
            long t0 = System.nanoTime();
            evaluator.evaluate(window, reference);
            runs[r] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(runs);
        return runs[1];
    }

    private static void print(String label, QualityFigures figures) {
        StringBuilder out = new StringBuilder("figures, " + label + ":\n");
        figures.metrics().forEach((name, value) -> out.append(String.format("  %-40s %10.4f%n", name, value)));
        out.append("  top words: ").append(figures.alignVlm().orElseThrow().topWords()).append('\n');
        System.out.print(out);
    }

    /** Scenes to pairs the way the service embeds them. */
    private static final class Embedder {
        private final InferenceModels models;
        private final InferenceSession session;
        private final CaptionPreparer preparer;

        Embedder(InferenceModels models, InferenceSession session) {
            this.models = models;
            this.session = session;
            this.preparer = new CaptionPreparer(new SubCaptionSplitter(models.tokenCounter(), SubCaptionSplitter.DEFAULT_MAX_TOKENS));
        }

        /** The scenes' images: embeddings, codes, and AlignVLM top words when asked. */
        Images images(List<SceneEvents> scenes, boolean noisy, boolean alignVlm) throws ImageRejectedException {
            Random noise = new Random(42);
            List<float[]> pixels = new ArrayList<>();
            for (SceneEvents scene : scenes) {
                InlineImage inline = (InlineImage) scene.image().getContent();
                float[] image = models.preprocessor().preprocess(bytes(inline.getData()), scene.image().getContentType());
                if (noisy) {
                    for (int i = 0; i < image.length; i++) {
                        image[i] = (float) Math.min(255, Math.max(0, image[i] + NOISE_SIGMA * noise.nextGaussian()));
                    }
                }
                pixels.add(image);
            }
            List<VisionEmbedding> vision = session.embedImages(pixels);
            List<float[]> embeddings = vision.stream().map(VisionEmbedding::embedding).toList();
            List<AlignVlmSample> words = new ArrayList<>();
            if (alignVlm) {
                List<AlignVlmProjection> projections = session.project(vision.stream().map(VisionEmbedding::patchTokens).toList());
                for (int s = 0; s < scenes.size(); s++) {
                    List<VocabularyWord> top = projections.get(s).topWords();
                    float[] weights = new float[top.size()];
                    for (int w = 0; w < weights.length; w++) {
                        weights[w] = top.get(w).weight();
                    }
                    words.add(new AlignVlmSample(scenes.get(s).image().getImageId(),
                            top.stream().map(VocabularyWord::word).toList(), weights));
                }
            }
            return new Images(embeddings, session.sparseCodes(embeddings), words);
        }

        /** The scenes' captions in order, with their scene, embedding and TEVI query and mask. */
        Captions captions(List<SceneEvents> scenes) throws CaptionRejectedException {
            List<CaptionEvent> captions = new ArrayList<>();
            List<Integer> sceneOf = new ArrayList<>();
            for (int s = 0; s < scenes.size(); s++) {
                for (CaptionEvent caption : scenes.get(s).captions()) {
                    captions.add(caption);
                    sceneOf.add(s);
                }
            }
            List<CaptionLength> lengths = new ArrayList<>();
            List<float[]> embeddings = embedCaptions(captions, lengths);
            return new Captions(captions, sceneOf, embeddings, session.queries(embeddings), lengths);
        }

        /** One pair per caption, with its scene's image and the TEVI head's aligned embedding. */
        QualityWindow window(List<SceneEvents> scenes, Images images, Captions captions) {
            List<float[]> pairImages = captions.sceneOf().stream().map(images.embeddings()::get).toList();
            List<TeviAlignment> aligned = session.align(pairImages, captions.embeddings());
            List<PairSample> pairs = new ArrayList<>();
            for (int p = 0; p < captions.events().size(); p++) {
                int s = captions.sceneOf().get(p);
                pairs.add(new PairSample(scenes.get(s).image().getImageId(), captions.events().get(p).getCaptionId(),
                        images.embeddings().get(s), images.codes().get(s), captions.embeddings().get(p),
                        captions.queries().get(p).query(), captions.queries().get(p).mask(), aligned.get(p).alignedEmbedding(),
                        captions.lengths().get(p)));
            }
            return new QualityWindow(pairs, images.alignVlm(), 0);
        }

        /**
         * CaptionEmbedder's rule: sub-captions of at most 32 tokens, the caption the normalised mean of
         * theirs; each caption's length ({@link CaptionLength}: more than one sub-caption is long) into {@code lengths}.
         */
        private List<float[]> embedCaptions(List<CaptionEvent> captions, List<CaptionLength> lengths)
                throws CaptionRejectedException {
            List<List<String>> subCaptions = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (CaptionEvent caption : captions) {
                CaptionPreparer.PreparedCaption prepared = preparer.prepare(caption.getText());
                List<String> parts = prepared.subCaptions();
                subCaptions.add(parts);
                lengths.add(prepared.length());
                all.addAll(parts);
            }
            List<float[]> vectors = session.embedTexts(all);
            List<float[]> out = new ArrayList<>();
            int next = 0;
            for (List<String> parts : subCaptions) {
                out.add(LongCaptionEncoder.meanOfNormalised(vectors.subList(next, next + parts.size()).toArray(float[][]::new)));
                next += parts.size();
            }
            return out;
        }

        private static byte[] bytes(ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] out = new byte[copy.remaining()];
            copy.get(out);
            return out;
        }
    }

    private record Images(List<float[]> embeddings, List<SparseCode> codes, List<AlignVlmSample> alignVlm) {
    }

    private record Captions(List<CaptionEvent> events, List<Integer> sceneOf, List<float[]> embeddings,
                            List<CaptionQuery> queries, List<CaptionLength> lengths) {
    }
}

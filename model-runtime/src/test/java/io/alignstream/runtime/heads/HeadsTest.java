package io.alignstream.runtime.heads;

import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The heads' batch contracts on synthetic-world images: batching, typed results, bad input. */
class HeadsTest {

    private static ModelRuntime runtime;
    private static VisionTower tower;
    private static TeviAligner aligner;
    private static AlignVlmProjector projector;
    private static List<float[]> images;
    private static List<float[]> captions;

    @BeforeAll
    static void open() {
        // fp32: its batches are exact; int8's are not (anInt8BatchGivesWhatEachItemGivesAloneWithinInt8Parity)
        runtime = ModelRuntime.open(ModelBundle.loadDefault(), EngineConfig.defaults().withPrecision(PrecisionSetting.FP32));
        tower = runtime.newVisionTower();
        aligner = runtime.newTeviAligner();
        projector = runtime.newAlignVlmProjector();
        SyntheticWorld world = new SyntheticWorld(runtime.bundle().manifest().worldSeed());
        images = new ArrayList<>();
        List<String> captionTexts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WorldSample sample = world.sample(Split.TEST, 200 + i);
            images.add(ImagePixels.toFloats(sample.image().pixels()));
            captionTexts.add(sample.webCaptions().get(0).text());
        }
        try (TextTower encoder = runtime.newTextTower()) {
            LongCaptionEncoder longCaptions = new LongCaptionEncoder(encoder);
            captions = captionTexts.stream().map(longCaptions::embed).toList();
        }
    }

    @AfterAll
    static void close() {
        projector.close();
        aligner.close();
        tower.close();
        runtime.close();
    }

    @Test
    void aBatchGivesWhatEachItemGivesAlone() {
        // when five images run as one batch and one at a time
        List<VisionEmbedding> batched = tower.embed(images);
        List<float[]> embeddings = batched.stream().map(VisionEmbedding::embedding).toList();
        List<TeviAlignment> alignedBatch = aligner.align(embeddings, captions);
        List<AlignVlmProjection> projectedBatch = projector.project(batched.stream().map(VisionEmbedding::patchTokens).toList());

        // then every head's per-item results agree to float rounding
        for (int i = 0; i < images.size(); i++) {
            VisionEmbedding alone = tower.embed(List.of(images.get(i))).get(0);
            assertThat(Agreement.of(batched.get(i).embedding(), alone.embedding()).maxAbsDiff()).isLessThan(1e-5);
            assertThat(Agreement.of(batched.get(i).patchTokens(), alone.patchTokens()).maxAbsDiff()).isLessThan(1e-5);
            TeviAlignment pair = aligner.align(List.of(embeddings.get(i)), List.of(captions.get(i))).get(0);
            assertThat(Agreement.of(alignedBatch.get(i).alignedEmbedding(), pair.alignedEmbedding()).maxAbsDiff()).isLessThan(1e-5);
            assertThat(alignedBatch.get(i).code().indices()).isEqualTo(pair.code().indices());
            AlignVlmProjection projection = projector.project(List.of(alone.patchTokens())).get(0);
            assertThat(Agreement.of(projectedBatch.get(i).pooled(), projection.pooled()).maxAbsDiff()).isLessThan(1e-5);
        }
    }

    @Test
    void anInt8BatchGivesWhatEachItemGivesAloneWithinInt8Parity() {
        // given the default's int8 connector: its activations are quantized with one scale per batch
        try (ModelRuntime int8 = ModelRuntime.open(ModelBundle.loadDefault(),
                EngineConfig.defaults().withPrecision(PrecisionSetting.INT8));
             AlignVlmProjector int8Projector = int8.newAlignVlmProjector()) {
            assertThat(int8.precision("align")).isEqualTo(io.alignstream.runtime.bundle.Precision.INT8);
            List<float[]> tokens = tower.embed(images).stream().map(VisionEmbedding::patchTokens).toList();

            // when five images run as one batch and one at a time
            List<AlignVlmProjection> batched = int8Projector.project(tokens);

            // then each item's output depends on its batch, but only within int8 parity
            for (int i = 0; i < tokens.size(); i++) {
                AlignVlmProjection alone = int8Projector.project(List.of(tokens.get(i))).get(0);
                assertThat(Agreement.of(batched.get(i).pooled(), alone.pooled()).withinInt8Parity()).isTrue();
                assertThat(Agreement.of(batched.get(i).projectedTokens(), alone.projectedTokens()).withinInt8Parity()).isTrue();
            }
        }
    }

    @Test
    void oneHeadPerThreadOverOneRuntimeRunsConcurrentlyWithTheSameResults() throws Exception {
        // given the single-threaded result, and two threads each with its own tower
        float[] expected = tower.embed(images).get(4).embedding();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<float[]>> results = new ArrayList<>();
            for (int thread = 0; thread < 2; thread++) {
                results.add(pool.submit(() -> {
                    try (VisionTower own = runtime.newVisionTower()) {
                        float[] last = null;
                        for (int round = 0; round < 10; round++) {
                            last = own.embed(images).get(4).embedding();
                        }
                        return last;
                    }
                }));
            }
            // then both agree with it
            for (java.util.concurrent.Future<float[]> result : results) {
                assertThat(Agreement.of(result.get(), expected).maxAbsDiff()).isLessThan(1e-5);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void visionResultsHaveTheManifestsShapes() {
        VisionEmbedding result = tower.embed(images.subList(0, 1)).get(0);

        assertThat(result.embedding()).hasSize(384);
        assertThat(result.tokens()).isEqualTo(64);
        assertThat(result.patchTokens()).hasSize(64 * 128);
        assertThat(result.patchToken(63)).hasSize(128);
        assertThat(Agreement.of(result.embedding(), result.embedding()).cosine()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void theDefaultBundlesCaptionAdapterGivesTheQueryOnBothPaths() {
        // given the default bundle, whose tevi head has a caption adapter (output caption_aligned;
        // a head without one, q = t, is LabelFreeBundleRuntimeTest's)
        assertThat(runtime.bundle().manifest().hasCaptionAdapter()).isTrue();
        List<float[]> embeddings = tower.embed(images.subList(0, 2)).stream().map(VisionEmbedding::embedding).toList();

        // when pairs are aligned and the captions taken as queries alone
        List<TeviAlignment> aligned = aligner.align(embeddings, captions.subList(0, 2));
        List<CaptionQuery> queries = aligner.queries(captions.subList(0, 2));

        // then q is the adapted caption, a unit vector other than t, the same on both paths
        for (int i = 0; i < 2; i++) {
            float[] q = aligned.get(i).query();
            double norm = 0;
            for (float v : q) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
            assertThat(q).isNotEqualTo(captions.get(i));
            assertThat(Agreement.of(queries.get(i).query(), q).maxAbsDiff()).isLessThan(1e-6);
        }
    }

    @Test
    void teviGivesAUnitAlignedEmbeddingAKSparseCodeAndMaskStatistics() {
        // given an image and one of its web captions
        float[] embedding = tower.embed(images.subList(0, 1)).get(0).embedding();
        TeviAlignment alignment = aligner.align(List.of(embedding), List.of(captions.get(0))).get(0);
        float[] mask = aligner.queries(List.of(captions.get(0))).get(0).mask();

        // then the aligned embedding is unit length, the code has k ascending active latents
        assertThat(norm(alignment.alignedEmbedding())).isCloseTo(1.0, within(1e-5));
        assertThat(alignment.code().size()).isEqualTo(runtime.bundle().dims().saeK());
        assertThat(alignment.code().indices()).isSorted();
        for (float value : alignment.code().values()) {
            assertThat(value).isPositive();
        }
        // and the statistics are those of the mask the head reports for the caption alone
        double mean = 0;
        int above = 0;
        for (float m : mask) {
            mean += m / mask.length;
            above += m > 0.5f ? 1 : 0;
        }
        assertThat(alignment.mask().mean()).isCloseTo(mean, within(1e-6));
        assertThat(alignment.mask().density()).isCloseTo((double) above / mask.length, within(1e-9));
        assertThat(alignment.mask().keptMass()).isBetween(0.0, 1.0);
    }

    @Test
    void alignVlmNamesItsTopWordsFromTheVocabularyBestFirst() {
        AlignVlmProjection projection = projector.project(List.of(tower.embed(images.subList(0, 1)).get(0).patchTokens())).get(0);

        assertThat(projection.topWords()).hasSize(runtime.bundle().dims().alignTop());
        assertThat(projection.topWords()).extracting(VocabularyWord::weight).isSortedAccordingTo((a, b) -> Float.compare(b, a));
        assertThat(projection.topWords()).allSatisfy(w -> assertThat(w.word()).isNotBlank());
        assertThat(projection.projectedTokens()).hasSize(64 * 384);
    }

    @Test
    void badBatchesAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> tower.embed(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("vision: empty batch");
        assertThatThrownBy(() -> tower.embed(List.of(images.get(0), new float[10])))
                .hasMessage("vision: image item 1 has 10 values, expected 12288");
        float[] embedding = new float[384];
        assertThatThrownBy(() -> aligner.align(List.of(embedding, embedding), List.of(embedding)))
                .hasMessage("tevi: 2 image embeddings but 1 caption embeddings");
        assertThatThrownBy(() -> projector.project(List.of(new float[64 * 127])))
                .hasMessage("align: patch_tokens item 0 has 8128 values, expected 8192");
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}

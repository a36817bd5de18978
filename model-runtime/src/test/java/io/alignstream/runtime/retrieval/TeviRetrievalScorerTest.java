package io.alignstream.runtime.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scorer against brute force: for every (caption, image) pair of synthetic-world test
 * scenes, run the TEVI head and take the cosine of its aligned embedding with the caption;
 * the scorer, working from sparse codes and the decoder alone, must give the same number.
 */
class TeviRetrievalScorerTest {

    private static final int IMAGES = 16;
    private static final double TOLERANCE = 1e-4;

    private static ModelRuntime runtime;
    private static TeviAligner aligner;
    private static TeviRetrievalScorer scorer;
    private static List<float[]> imageEmbeddings;
    private static List<String> captionTexts;
    private static List<float[]> captionEmbeddings;

    @BeforeAll
    static void indexTheWorld() {
        runtime = ModelRuntime.openDefault();
        aligner = runtime.newTeviAligner();
        scorer = TeviRetrievalScorer.of(runtime.bundle());
        // given test-split scenes of the bundle's world, their images and captions of every kind:
        // long captions, web captions and single-attribute probe captions
        SyntheticWorld world = new SyntheticWorld(runtime.bundle().manifest().worldSeed());
        List<float[]> images = new ArrayList<>();
        captionTexts = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            WorldSample sample = world.sample(Split.TEST, 100 + i);   // past the golden scenes
            images.add(toFloats(sample.image().pixels()));
            if (i % 4 == 0) {
                captionTexts.add(sample.longCaption().text());
            } else if (i % 4 == 1) {
                captionTexts.add(sample.webCaptions().get(0).text());
            } else if (i % 4 == 2) {
                captionTexts.add(sample.singleCaptions().get(0).text());
            }
        }
        try (VisionTower tower = runtime.newVisionTower()) {
            imageEmbeddings = tower.embed(images).stream().map(VisionEmbedding::embedding).toList();
        }
        try (TextTower encoder = runtime.newTextTower()) {
            LongCaptionEncoder captions = new LongCaptionEncoder(encoder);
            captionEmbeddings = captionTexts.stream().map(captions::embed).toList();
        }
    }

    @AfterAll
    static void close() {
        aligner.close();
        runtime.close();
    }

    @Test
    void everyPairScoresAsTheHeadsAlignedEmbeddingDoes() {
        // given the images indexed by their codes and the captions as queries
        List<SparseCode> codes = aligner.codes(imageEmbeddings);
        List<CaptionQuery> queries = aligner.queries(captionEmbeddings);

        // when every pair is also run through the TEVI head (brute force)
        List<float[]> pairImages = new ArrayList<>();
        List<float[]> pairCaptions = new ArrayList<>();
        for (float[] caption : captionEmbeddings) {
            for (float[] image : imageEmbeddings) {
                pairImages.add(image);
                pairCaptions.add(caption);
            }
        }
        List<TeviAlignment> bruteForce = aligner.align(pairImages, pairCaptions);

        // then the scorer's cosine equals the head's for every pair
        double worst = 0;
        for (int c = 0; c < captionEmbeddings.size(); c++) {
            TeviRetrievalScorer.Query query = scorer.query(queries.get(c).query(), queries.get(c).mask());
            for (int j = 0; j < IMAGES; j++) {
                TeviAlignment pair = bruteForce.get(c * IMAGES + j);
                double expected = cosine(pair.alignedEmbedding(), pair.query());
                double actual = scorer.score(query, codes.get(j));
                assertThat(actual).as("caption %d '%s', image %d", c, captionTexts.get(c), j)
                        .isCloseTo(expected, within(TOLERANCE));
                worst = Math.max(worst, Math.abs(actual - expected));
            }
        }
        System.out.printf("scorer vs brute force over %d pairs: max |diff| %.2e%n",
                captionEmbeddings.size() * IMAGES, worst);
    }

    @Test
    void scoringACaptionAgainstAFewCodesGivesExactlyTheQueryScores() {
        // given the images' codes and every caption's query embedding and mask
        List<SparseCode> codes = aligner.codes(imageEmbeddings);
        List<CaptionQuery> queries = aligner.queries(captionEmbeddings);
        for (int c = 0; c < captionEmbeddings.size(); c++) {
            CaptionQuery caption = queries.get(c);
            // when a caption is scored against the codes directly (weights only on their latents)
            double[] direct = scorer.scores(caption.query(), caption.mask(), codes);
            // then each score is the full query's, to the bit
            TeviRetrievalScorer.Query query = scorer.query(caption.query(), caption.mask());
            for (int j = 0; j < IMAGES; j++) {
                assertThat(direct[j]).as("caption %d, image %d", c, j).isEqualTo(scorer.score(query, codes.get(j)));
            }
        }
    }

    @Test
    void topRanksImagesAsBruteForceDoes() {
        // given one long caption as the query
        int c = 0;
        List<SparseCode> codes = aligner.codes(imageEmbeddings);
        CaptionQuery caption = aligner.queries(List.of(captionEmbeddings.get(c))).get(0);
        TeviRetrievalScorer.Query query = scorer.query(caption.query(), caption.mask());

        // when the top 5 are taken, then they are brute force's top 5 in order
        List<TeviAlignment> pairs = aligner.align(imageEmbeddings, imageEmbeddings.stream().map(i -> captionEmbeddings.get(c)).toList());
        List<Integer> expected = IntStream.range(0, IMAGES).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -cosine(pairs.get(j).alignedEmbedding(), caption.query())))
                .limit(5).toList();
        assertThat(scorer.top(query, codes, 5)).extracting(TeviRetrievalScorer.Hit::image).containsExactlyElementsOf(expected);
    }

    @Test
    void theDecoderReadFromTheOnnxFileReproducesTheAlignedEmbedding() {
        // given one pair's code and mask from the head
        TeviAlignment pair = aligner.align(List.of(imageEmbeddings.get(3)), List.of(captionEmbeddings.get(1))).get(0);
        float[] mask = aligner.queries(List.of(captionEmbeddings.get(1))).get(0).mask();
        TeviDecoder decoder = TeviDecoder.read(runtime.bundle().graph("tevi"), "sparse_codes", "mask");

        // when W_dec (z * mask) + b_dec is computed from the initializers and normalised
        float[] x = decoder.bias();
        for (int a = 0; a < pair.code().size(); a++) {
            int latent = pair.code().indices()[a];
            float v = pair.code().values()[a] * mask[latent];
            for (int d = 0; d < x.length; d++) {
                x[d] += v * decoder.atom(latent, d);
            }
        }

        // then it is the head's aligned embedding
        assertThat(cosine(x, pair.alignedEmbedding())).isCloseTo(1.0, within(1e-6));
        assertThat(decoder.latents()).isEqualTo(runtime.bundle().dims().saeLatents());
        assertThat(decoder.dimension()).isEqualTo(runtime.bundle().dims().embedding());
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    private static float[] toFloats(byte[] hwc) {
        float[] out = new float[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            out[i] = hwc[i] & 0xFF;
        }
        return out;
    }
}

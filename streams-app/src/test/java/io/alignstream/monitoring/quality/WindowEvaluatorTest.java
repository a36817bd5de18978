package io.alignstream.monitoring.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.monitoring.quality.QualityFigures.Ranking;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.text.CaptionLength;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The metric math on hand-built windows whose answers can be worked out on paper. Unless a case
 * says otherwise, TEVI is {@link DenseTevi#identity}: the decoder is the identity, an image's
 * code is its embedding, masks keep everything, so TEVI scores equal raw cosines.
 */
class WindowEvaluatorTest {

    private static final double EPS = 1e-9;
    private final WindowEvaluator evaluator = new WindowEvaluator(DenseTevi.identity(6), DefaultConfig.qualitySettings());

    static float[] vec(double... values) {
        float[] v = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            v[i] = (float) values[i];
        }
        return v;
    }

    static float[] basis(int d, int i) {
        float[] v = new float[d];
        v[i] = 1;
        return v;
    }

    static float[] ones(int m) {
        float[] v = new float[m];
        Arrays.fill(v, 1f);
        return v;
    }

    /** A pair whose image code is its embedding (identity decoder) and whose mask keeps all. */
    static PairSample pair(String image, String caption, float[] imageEmbedding, float[] captionEmbedding) {
        return new PairSample(image, caption, imageEmbedding, SparseCode.fromDense(imageEmbedding), captionEmbedding,
                ones(imageEmbedding.length));
    }

    @Nested
    class Retrieval {

        @Test
        void captionsEqualToTheirImagesAreAlwaysFoundFirst() {
            // given three orthogonal images, each captioned by exactly its own embedding
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 1), basis(6, 1)),
                    pair("c", "c0", basis(6, 2), basis(6, 2)));
            // when the window is evaluated
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then every caption ranks its image first and every image its caption: recall 1, MRR 1,
            // for raw and TEVI alike, and TEVI minus raw is 0
            QualityFigures.Retrieval r = figures.retrieval().orElseThrow();
            for (Ranking ranking : List.of(r.raw().textToImage(), r.raw().imageToText(), r.tevi().textToImage(),
                    r.tevi().imageToText())) {
                assertThat(ranking.recallAtK()).containsOnlyKeys(1, 5, 10).allSatisfy((k, v) -> assertThat(v).isEqualTo(1.0));
                assertThat(ranking.meanReciprocalRank()).isEqualTo(1.0);
            }
            assertThat(r.teviMinusRaw().textToImage().recallAt(1)).isEqualTo(0.0);
            assertThat(r.teviMinusRaw().imageToText().meanReciprocalRank()).isEqualTo(0.0);
        }

        @Test
        void aTrueImageRankedSecondGivesReciprocalRankOneHalf() {
            // given images e0, e1, e2; caption a0 = (0.8, 0.9, 0) leans to image b (0.9 > 0.8), so
            // its own image a ranks second; b0 and c0 are exactly their images
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), vec(0.8, 0.9, 0, 0, 0, 0)),
                    pair("b", "b0", basis(6, 1), basis(6, 1)),
                    pair("c", "c0", basis(6, 2), basis(6, 2)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            Ranking t2i = figures.retrieval().orElseThrow().raw().textToImage();
            // then text->image: ranks 2, 1, 1: Recall@1 = 2/3, Recall@5 = 1, MRR = (1/2 + 1 + 1) / 3
            assertThat(t2i.recallAt(1)).isCloseTo(2.0 / 3, within(EPS));
            assertThat(t2i.recallAt(5)).isEqualTo(1.0);
            assertThat(t2i.meanReciprocalRank()).isCloseTo(5.0 / 6, within(EPS));
            assertThat(t2i.queries()).isEqualTo(3);
            // and image->text: image a's best caption is still a0 (b0 and c0 score 0 with e0), so 1
            Ranking i2t = figures.retrieval().orElseThrow().raw().imageToText();
            assertThat(i2t.recallAt(1)).isEqualTo(1.0);
            assertThat(i2t.meanReciprocalRank()).isEqualTo(1.0);
        }

        @Test
        void anImageHitsWhenAnyOfItsCaptionsRanksHighAndItsRankIsItsFirstTrueCaptions() {
            // given image a with captions a0 (far from a) and a1 (equal to a); image b with caption b0
            // that is closer to a than a0 is
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), vec(0.1, 0, 1, 0, 0, 0)),
                    pair("a", "a1", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 1), vec(0.5, 1, 0, 0, 0, 0)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            Ranking i2t = figures.retrieval().orElseThrow().raw().imageToText();
            // then image a ranks captions a1 (1.0), b0 (0.45), a0 (0.1): its first true caption is first.
            // Image b ranks b0 (0.89) first. Both hit at 1.
            assertThat(i2t.queries()).isEqualTo(2);
            assertThat(i2t.recallAt(1)).isEqualTo(1.0);
            // and text->image: a0 -> (a: 0.0995, b: 0) rank 1; a1 rank 1; b0 -> (a 0.45, b 0.89) rank 1
            assertThat(figures.retrieval().orElseThrow().raw().textToImage().recallAt(1)).isEqualTo(1.0);
            assertThat(figures.volume().images()).isEqualTo(2);
            assertThat(figures.volume().pairs()).isEqualTo(3);
        }

        @Test
        void captionsSwappedBetweenImagesAreNeverFound() {
            // given two images whose captions were swapped: a's caption is b's embedding and back
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 1)),
                    pair("b", "b0", basis(6, 1), basis(6, 0)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then every true item ranks last (second of two): Recall@1 = 0, MRR = 1/2; Recall@5 = 1
            // because 5 >= the gallery
            Ranking t2i = figures.retrieval().orElseThrow().raw().textToImage();
            assertThat(t2i.recallAt(1)).isEqualTo(0.0);
            assertThat(t2i.recallAt(5)).isEqualTo(1.0);
            assertThat(t2i.meanReciprocalRank()).isEqualTo(0.5);
        }

        @Test
        void tiesCountAgainstTheTrueItem() {
            // given two images with the same embedding: a score ties with the wrong image
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 0), basis(6, 0)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then the true image is counted second, not first: a model that cannot tell images apart
            // does not get credit for it
            assertThat(figures.retrieval().orElseThrow().raw().textToImage().recallAt(1)).isEqualTo(0.0);
            assertThat(figures.retrieval().orElseThrow().raw().imageToText().meanReciprocalRank()).isEqualTo(0.5);
        }

        @Test
        void teviScoresComeFromTheCaptionsMaskAppliedToEachImagesCode() {
            // given an identity decoder and two images that share a strong background latent 2 and
            // differ in their object latent (0 or 1); caption a0 names object 0 and the background
            // (t = e0 + e2) but its mask keeps only latent 0
            float[] imageA = vec(1, 0, 3, 0, 0, 0);
            float[] imageB = vec(0, 1, 3, 0, 0, 0);
            float[] objectOnly = vec(1, 0, 0, 0, 0, 0);
            List<PairSample> pairs = List.of(
                    new PairSample("a", "a0", imageA, SparseCode.fromDense(imageA), vec(1, 0, 1, 0, 0, 0), objectOnly),
                    new PairSample("b", "b0", imageB, SparseCode.fromDense(imageB), vec(0, 1, 0, 0, 0, 0), vec(0, 1, 0, 0, 0, 0)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then TEVI's true-pair cosine of a0 is cos(e0, e0 + e2) = 1/sqrt(2) and of b0 cos(e1, e1) = 1,
            // mean (1/sqrt(2) + 1) / 2, where raw gives (4/sqrt(20) + 1/sqrt(10)) / 2
            assertThat(figures.alignment().orElseThrow().tevi().truePairs())
                    .isCloseTo((1 / Math.sqrt(2) + 1) / 2, within(1e-6));
            assertThat(figures.alignment().orElseThrow().raw().truePairs())
                    .isCloseTo((4 / Math.sqrt(20) + 1 / Math.sqrt(10)) / 2, within(1e-6));
            // and TEVI finds both images first, as raw does (the masked-out image scores 0)
            assertThat(figures.retrieval().orElseThrow().tevi().textToImage().recallAt(1)).isEqualTo(1.0);
        }
    }

    @Nested
    class ByCaptionLength {

        @Test
        void anImageRanksOnlyTheCaptionsOfTheLengthAsked() {
            // given images a = e0 and b = e1, each with a short caption equal to itself and a long one:
            // a's long caption a1 = (0.3, 0, 1) leans away from a (cos 0.287), b's long caption
            // b1 = (0.5, 1, 0) is closer to a (cos 0.447) than a1 is
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)).withCaptionLength(CaptionLength.SHORT),
                    pair("a", "a1", basis(6, 0), vec(0.3, 0, 1, 0, 0, 0)).withCaptionLength(CaptionLength.LONG),
                    pair("b", "b0", basis(6, 1), basis(6, 1)).withCaptionLength(CaptionLength.SHORT),
                    pair("b", "b1", basis(6, 1), vec(0.5, 1, 0, 0, 0, 0)).withCaptionLength(CaptionLength.LONG));
            // when the window is evaluated
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then over all captions each image finds its own first (a: a0 at 1.0; b: b0 at 1.0)
            assertThat(figures.retrieval().orElseThrow().raw().imageToText().recallAt(1)).isEqualTo(1.0);
            // and over the long captions only, image a ranks b1 (0.447) above its own a1 (0.287): rank 2,
            // image b finds b1 (0.894 against 0): Recall@1 = 1/2, MRR = (1/2 + 1) / 2
            Ranking longI2t = figures.retrieval(CaptionLength.LONG).orElseThrow().retrieval().raw().imageToText();
            assertThat(longI2t.queries()).isEqualTo(2);
            assertThat(longI2t.recallAt(1)).isEqualTo(0.5);
            assertThat(longI2t.meanReciprocalRank()).isCloseTo(0.75, within(EPS));
            // and over the short captions both images find their own
            assertThat(figures.retrieval(CaptionLength.SHORT).orElseThrow().retrieval().raw().imageToText().recallAt(1))
                    .isEqualTo(1.0);
            // and text->image ranks every caption against both images: a1 -> a (0.287 > 0), b1 -> b (0.894 > 0.447)
            assertThat(figures.retrieval(CaptionLength.LONG).orElseThrow().retrieval().raw().textToImage().recallAt(1))
                    .isEqualTo(1.0);
            assertThat(figures.volume().shortCaptions()).isEqualTo(2);
            assertThat(figures.volume().longCaptions()).isEqualTo(2);
            assertThat(figures.metrics()).containsEntry("long.raw.i2t.recall_at_1", 0.5)
                    .containsEntry("short.raw.i2t.recall_at_1", 1.0).containsEntry("long.tevi_minus_raw.i2t.recall_at_1", 0.0);
        }

        @Test
        void aLengthWhoseCaptionsAllDescribeOneImageHasNoFigure() {
            // given two images with short captions, and a long caption for image a only
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)).withCaptionLength(CaptionLength.SHORT),
                    pair("a", "a1", basis(6, 0), basis(6, 0)).withCaptionLength(CaptionLength.LONG),
                    pair("b", "b0", basis(6, 1), basis(6, 1)).withCaptionLength(CaptionLength.SHORT));
            // when the window is evaluated
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then the long caption is counted but ranks nothing that can miss (one image, one gallery
            // entry): no long figure, rather than a Recall of 1 that means nothing
            assertThat(figures.volume().longCaptions()).isEqualTo(1);
            assertThat(figures.retrieval(CaptionLength.LONG)).isEmpty();
            assertThat(figures.metrics().keySet()).noneMatch(name -> name.startsWith("long."));
            assertThat(figures.retrieval(CaptionLength.SHORT)).isPresent();
        }

        @Test
        void pairsOfUnknownLengthAreInNeitherLength() {
            // given pairs built without a caption length (records from before TeviEmbedding v3)
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 1), basis(6, 1)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));
            // then the window's figures are there and the split is not
            assertThat(figures.retrieval()).isPresent();
            assertThat(figures.byCaptionLength()).isEmpty();
            assertThat(figures.metrics()).containsEntry("volume.short_captions", 0.0).containsEntry("volume.long_captions", 0.0);
        }
    }

    @Nested
    class Alignment {

        @Test
        void identicalEmbeddingsHaveTruePairCosineOneAndNoModalityGap() {
            // given orthogonal images each captioned by itself
            List<PairSample> pairs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pairs.add(pair("i" + i, "c" + i, basis(6, i), basis(6, i)));
            }
            QualityFigures.Alignment a = evaluator.evaluate(QualityWindow.of(pairs)).alignment().orElseThrow();
            // then true pairs have cosine 1, random (non-matching) pairs of orthogonal vectors 0, and the
            // centroids of images and captions coincide: gap 0
            assertThat(a.raw().truePairs()).isCloseTo(1.0, within(EPS));
            assertThat(a.raw().randomPairs().getAsDouble()).isCloseTo(0.0, within(EPS));
            assertThat(a.raw().randomPairsSampled()).isEqualTo(1024);
            assertThat(a.raw().margin().getAsDouble()).isCloseTo(1.0, within(EPS));
            assertThat(a.tevi().truePairs()).isCloseTo(1.0, within(EPS));
            assertThat(a.rawModalityGap()).isCloseTo(0.0, within(EPS));
            // no pair carries its aligned embedding, so the TEVI gap is absent, not NaN
            assertThat(a.teviModalityGap()).isEmpty();
        }

        @Test
        void imagesAndCaptionsInSeparateSubspacesAreAGapApart() {
            // given images e0..e2 captioned by e3..e5 (each modality in its own subspace, as in Liang
            // et al.'s cone effect, exaggerated)
            List<PairSample> pairs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pairs.add(pair("i" + i, "c" + i, basis(6, i), basis(6, i + 3)));
            }
            QualityFigures.Alignment a = evaluator.evaluate(QualityWindow.of(pairs)).alignment().orElseThrow();
            // then centroids (1/3,1/3,1/3,0,0,0) and (0,0,0,1/3,1/3,1/3) are sqrt(6/9) apart
            assertThat(a.rawModalityGap()).isCloseTo(Math.sqrt(6.0 / 9), within(EPS));
            assertThat(a.raw().truePairs()).isCloseTo(0.0, within(EPS));
        }

        @Test
        void theTeviGapUsesEachPairsAlignedEmbeddingWhenAllHaveOne() {
            // given pairs whose aligned embedding equals the caption
            List<PairSample> pairs = List.of(
                    new PairSample("a", "a0", basis(6, 0), SparseCode.fromDense(basis(6, 0)), basis(6, 3), ones(6), basis(6, 3)),
                    new PairSample("b", "b0", basis(6, 1), SparseCode.fromDense(basis(6, 1)), basis(6, 4), ones(6), basis(6, 4)));
            QualityFigures.Alignment a = evaluator.evaluate(QualityWindow.of(pairs)).alignment().orElseThrow();
            // then the TEVI gap is 0 while the raw one is ||(.5,.5,0,0,0,0) - (0,0,0,.5,.5,0)|| = 1
            assertThat(a.teviModalityGap().getAsDouble()).isCloseTo(0.0, within(EPS));
            assertThat(a.rawModalityGap()).isCloseTo(1.0, within(EPS));
        }
    }

    @Nested
    class CaptionAdapter {

        @Test
        void teviScoresAndItsGapUseTheCaptionsQueryEmbeddingWhileRawKeepsTheCaptionEmbedding() {
            // given three orthogonal images; caption a0's embedding t points at image b, but its query
            // embedding q (the bundle's caption adapter's output) at its own image a, and x_tevi = q
            List<PairSample> pairs = List.of(
                    new PairSample("a", "a0", basis(6, 0), SparseCode.fromDense(basis(6, 0)), basis(6, 1), basis(6, 0),
                            ones(6), basis(6, 0)),
                    new PairSample("b", "b0", basis(6, 1), SparseCode.fromDense(basis(6, 1)), basis(6, 1), ones(6), basis(6, 1)),
                    new PairSample("c", "c0", basis(6, 2), SparseCode.fromDense(basis(6, 2)), basis(6, 2), ones(6), basis(6, 2)));

            // when the window is evaluated
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs));

            // then raw retrieval, from t, misses a0's image (it ties at 0 with c, behind b) ...
            QualityFigures.Retrieval r = figures.retrieval().orElseThrow();
            assertThat(r.raw().textToImage().recallAt(1)).isCloseTo(2.0 / 3, within(EPS));
            // ... and TEVI, from q, finds every image first
            assertThat(r.tevi().textToImage().recallAt(1)).isCloseTo(1.0, within(EPS));
            QualityFigures.Alignment a = figures.alignment().orElseThrow();
            assertThat(a.raw().truePairs()).isCloseTo(2.0 / 3, within(EPS));
            assertThat(a.tevi().truePairs()).isCloseTo(1.0, within(EPS));
            // and the TEVI gap is to the queries' centroid, which the aligned embeddings equal (to t's
            // centroid it would be sqrt(2) / 3)
            assertThat(a.teviModalityGap().getAsDouble()).isCloseTo(0.0, within(EPS));
        }
    }

    @Nested
    class Drift {

        /** n points around {@code mean} with unit Gaussian noise, d = 8 (normalised by the evaluator). */
        List<PairSample> gaussianWindow(int n, double shift, long seed) {
            Random random = new Random(seed);
            List<PairSample> pairs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] image = new float[8];
                float[] caption = new float[8];
                for (int k = 0; k < 8; k++) {
                    image[k] = (float) (random.nextGaussian() + (k == 0 ? 3 + shift : 0));
                    caption[k] = (float) (random.nextGaussian() + (k == 1 ? 3 : 0));
                }
                pairs.add(new PairSample("img-" + seed + "-" + i, "cap-" + seed + "-" + i, image,
                        SparseCode.fromDense(basis(8, i % 8)), caption, ones(8)));
            }
            return pairs;
        }

        final WindowEvaluator drifting = new WindowEvaluator(DenseTevi.identity(8), DefaultConfig.qualitySettings());

        @Test
        void aWindowAgainstItselfHasNoDrift() {
            // given a window used as its own reference
            List<PairSample> window = gaussianWindow(100, 0, 1);
            ReferenceWindow reference = drifting.reference(QualityWindow.of(window));
            QualityFigures.Drift drift = drifting.evaluate(QualityWindow.of(window), reference).drift().orElseThrow();
            // then the centroids coincide and MMD^2 is ~0: the unbiased estimator of X against itself is
            // -2 (1 - mean off-diagonal kernel) / n, a little below 0
            assertThat(drift.images().centroidDistance()).isCloseTo(0.0, within(1e-12));
            assertThat(drift.images().mmd2().getAsDouble()).isBetween(-0.02, 0.0);
            assertThat(drift.images().bandwidth().getAsDouble()).isPositive();
        }

        @Test
        void aShiftedWindowDriftsAndASameDistributionWindowDoesNot() {
            // given a reference and two later windows: a fresh draw from the same distribution, and
            // one whose image embeddings moved along one axis (captions unchanged)
            ReferenceWindow reference = drifting.reference(QualityWindow.of(gaussianWindow(200, 0, 1)));
            QualityFigures.Drift same = drifting.evaluate(QualityWindow.of(gaussianWindow(200, 0, 2)), reference)
                    .drift().orElseThrow();
            QualityFigures.Drift shifted = drifting.evaluate(QualityWindow.of(gaussianWindow(200, -3, 3)), reference)
                    .drift().orElseThrow();
            System.out.printf("drift, same distribution: image MMD^2 %.4f, centroid %.4f; shifted: image MMD^2 %.4f, "
                            + "centroid %.4f; caption MMD^2 %.4f%n", same.images().mmd2().getAsDouble(),
                    same.images().centroidDistance(), shifted.images().mmd2().getAsDouble(),
                    shifted.images().centroidDistance(), shifted.captions().mmd2().getAsDouble());
            // then the same distribution's MMD^2 is near 0 and the shifted one's far above it, and so
            // is its centroid distance; the captions, unchanged, do not drift
            assertThat(Math.abs(same.images().mmd2().getAsDouble())).isLessThan(0.02);
            assertThat(shifted.images().mmd2().getAsDouble()).isGreaterThan(0.1);
            assertThat(shifted.images().centroidDistance()).isGreaterThan(5 * same.images().centroidDistance());
            assertThat(Math.abs(shifted.captions().mmd2().getAsDouble())).isLessThan(0.02);
        }

        @Test
        void largeWindowsAreSubsampledToBoundTheCost() {
            // given windows of 600 images
            ReferenceWindow reference = drifting.reference(QualityWindow.of(gaussianWindow(600, 0, 1)));
            QualityFigures.ModalityDrift images = drifting.evaluate(QualityWindow.of(gaussianWindow(600, 0, 2)), reference)
                    .drift().orElseThrow().images();
            // then MMD^2 sees at most 256 per side; the centroids use everything
            assertThat(images.referenceSamples()).isEqualTo(256);
            assertThat(images.windowSamples()).isEqualTo(256);
            assertThat(reference.images()).isEqualTo(600);
        }

        @Test
        void aReferenceOfAnotherWidthIsRefused() {
            ReferenceWindow reference = drifting.reference(QualityWindow.of(gaussianWindow(10, 0, 1)));
            List<PairSample> sixWide = List.of(pair("a", "a0", basis(6, 0), basis(6, 0)));
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(sixWide), reference))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("6 values but the reference window has 8");
        }
    }

    @Nested
    class Dictionary {

        @Test
        void deadAndFrequentLatentsAndMaskDensity() {
            // given m = 8 and three images with codes {0, 1}, {0, 2}, {0, 3}; one image repeated in a
            // second pair (counted once); masks with 2 and 4 of 8 values above 0.5 (0.5 itself is not)
            float[] twoKept = vec(0.9, 0.6, 0.5, 0.1, 0, 0, 0, 0);
            float[] fourKept = vec(1, 1, 1, 1, 0.5, 0.5, 0, 0);
            List<PairSample> pairs = List.of(
                    codePair("a", "a0", new int[] {0, 1}, twoKept),
                    codePair("a", "a1", new int[] {0, 1}, fourKept),
                    codePair("b", "b0", new int[] {0, 2}, twoKept),
                    codePair("c", "c0", new int[] {0, 3}, fourKept));
            WindowEvaluator halfIsFrequent = new WindowEvaluator(DenseTevi.identity(8),
                    DefaultConfig.qualitySettings().toBuilder().frequentLatentShare(0.5).build());
            QualityFigures.DictionaryHealth health = halfIsFrequent.evaluate(QualityWindow.of(pairs)).dictionary().orElseThrow();
            // then latents 4..7 are dead (4/8); latent 0, active in 3 of 3 images (> 50%), is the only
            // frequent one (1/8; 1..3 are in 1 of 3); codes have 2 active latents; mask density is the
            // mean over the 4 captions of 2/8, 4/8, 2/8, 4/8
            assertThat(health.latents()).isEqualTo(8);
            assertThat(health.images()).isEqualTo(3);
            assertThat(health.deadFraction()).isEqualTo(0.5);
            assertThat(health.frequentFraction()).isEqualTo(0.125);
            assertThat(health.meanActiveLatents()).isEqualTo(2.0);
            assertThat(health.meanMaskDensity()).isCloseTo(0.375, within(EPS));
        }

        private PairSample codePair(String image, String caption, int[] active, float[] mask) {
            float[] embedding = new float[8];
            float[] values = new float[active.length];
            for (int a = 0; a < active.length; a++) {
                embedding[active[a]] = 1;
                values[a] = 1;
            }
            return new PairSample(image, caption, embedding, new SparseCode(active, values), embedding, mask);
        }
    }

    @Nested
    class AlignVlm {

        @Test
        void entropyOfRenormalisedWeightsAndWordShares() {
            // given three images: weights uniform over 4 words (entropy ln 4, though they sum to 0.4),
            // one word only (entropy 0), and two equal weights (ln 2); "red" is among the top words of
            // all three, "circle" of two
            List<AlignVlmSample> samples = List.of(
                    new AlignVlmSample("a", List.of("red", "circle", "large", "left"), vec(0.1, 0.1, 0.1, 0.1)),
                    new AlignVlmSample("b", List.of("red"), vec(0.7)),
                    new AlignVlmSample("c", List.of("circle", "red"), vec(0.2, 0.2)),
                    new AlignVlmSample("c", List.of("ignored"), vec(1)));   // the same image again: first one counts
            QualityFigures figures = evaluator.evaluate(
                    new QualityWindow(List.of(pair("a", "a0", basis(6, 0), basis(6, 0))), samples, 0));
            QualityFigures.AlignVlmFigures a = figures.alignVlm().orElseThrow();
            // then the mean entropy is (ln 4 + 0 + ln 2) / 3 nats and the shares are red 1, circle 2/3,
            // then the words of one image each, alphabetically
            assertThat(a.images()).isEqualTo(3);
            assertThat(a.meanEntropyNats()).isCloseTo((Math.log(4) + Math.log(2)) / 3, within(1e-6));
            assertThat(a.topWords()).startsWith(new QualityFigures.WordShare("red", 1.0),
                    new QualityFigures.WordShare("circle", 2.0 / 3), new QualityFigures.WordShare("large", 1.0 / 3));
            assertThat(figures.topWords()).containsExactly("red", "circle", "large", "left");
            assertThat(figures.volume().alignVlmImages()).isEqualTo(3);
        }

        @Test
        void onlyAnImagesTenHeaviestWordsCountAsItsTopWords() {
            // given one image with 12 words, the two lightest "w10" and "w11"
            List<String> words = new ArrayList<>();
            float[] weights = new float[12];
            for (int i = 0; i < 12; i++) {
                words.add("w" + i);
                weights[i] = 12 - i;
            }
            QualityFigures figures = evaluator.evaluate(new QualityWindow(List.of(), List.of(new AlignVlmSample("a", words, weights)), 0));
            // then w10 and w11 are not among its top words, but the entropy uses all 12 weights
            assertThat(figures.topWords()).hasSize(10).doesNotContain("w10", "w11");
        }

        @Test
        void negativeWeightsAreRefused() {
            assertThatThrownBy(() -> evaluator.evaluate(new QualityWindow(List.of(),
                    List.of(new AlignVlmSample("a", List.of("x", "y"), vec(0.5, -0.1))), 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AlignVLM sample a");
            assertThatThrownBy(() -> new AlignVlmSample("a", List.of("x", "y"), vec(0.5)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 top words but 1 weights");
        }
    }

    @Nested
    class SmallAndInvalidWindows {

        @Test
        void oneImageGivesNoRetrievalAndNoNaN() {
            // given one image with three captions
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("a", "a1", basis(6, 0), basis(6, 1)),
                    pair("a", "a2", basis(6, 0), vec(1, 1, 0, 0, 0, 0)));
            QualityFigures figures = evaluator.evaluate(new QualityWindow(pairs, List.of(), 3));
            // then retrieval (a gallery of one ranks nothing) and random-pair cosines are absent,
            // everything present is a number
            assertThat(figures.retrieval()).isEmpty();
            assertThat(figures.alignment().orElseThrow().raw().randomPairs()).isEmpty();
            assertThat(figures.alignment().orElseThrow().raw().truePairs())
                    .isCloseTo((1 + 0 + 1 / Math.sqrt(2)) / 3, within(EPS));
            assertThat(figures.volume()).isEqualTo(new QualityFigures.Volume(3, 1, 0, 3));
            assertThat(figures.metrics()).doesNotContainKey("raw.t2i.recall_at_1")
                    .doesNotContainKey("alignment.raw.random_pair_cosine")
                    .containsEntry("volume.dead_letters", 3.0)
                    .allSatisfy((name, value) -> assertThat(value).as(name).isFinite());
        }

        @Test
        void anEmptyWindowReportsItsVolumeOnly() {
            QualityFigures figures = evaluator.evaluate(new QualityWindow(List.of(), List.of(), 7));
            assertThat(figures.volume()).isEqualTo(new QualityFigures.Volume(0, 0, 0, 7));
            assertThat(figures.retrieval()).isEmpty();
            assertThat(figures.alignment()).isEmpty();
            assertThat(figures.dictionary()).isEmpty();
            assertThat(figures.metrics()).containsOnlyKeys("volume.pairs", "volume.images", "volume.alignvlm_images",
                    "volume.dead_letters", "volume.short_captions", "volume.long_captions");
            assertThat(figures.byCaptionLength()).isEmpty();
        }

        @Test
        void metricsAreNamedAsTheReportExpects() {
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 1), basis(6, 1)));
            QualityFigures figures = evaluator.evaluate(QualityWindow.of(pairs), evaluator.reference(QualityWindow.of(pairs)));
            assertThat(figures.metrics()).containsKeys("tevi.t2i.recall_at_1", "raw.i2t.recall_at_10", "tevi.i2t.mrr",
                    "tevi_minus_raw.t2i.recall_at_5", "alignment.raw.true_pair_cosine", "alignment.tevi.random_pair_cosine",
                    "alignment.raw.modality_gap", "drift.image.centroid_distance", "drift.caption.mmd2",
                    "dictionary.dead_fraction", "dictionary.frequent_fraction", "dictionary.mean_mask_density")
                    .allSatisfy((name, value) -> assertThat(value).as(name).isFinite());
        }

        @Test
        void mismatchedWidthsAreRefusedNamingThePair() {
            PairSample good = pair("a", "a0", basis(6, 0), basis(6, 0));
            PairSample shortCaption = new PairSample("b", "b0", basis(6, 1), SparseCode.fromDense(basis(6, 1)), basis(5, 1), ones(6));
            PairSample shortMask = new PairSample("b", "b0", basis(6, 1), SparseCode.fromDense(basis(6, 1)), basis(6, 1), ones(4));
            PairSample codeOutside = new PairSample("b", "b0", basis(6, 1), new SparseCode(new int[] {9}, vec(1)), basis(6, 1), ones(6));
            PairSample nan = pair("b", "b0", basis(6, 1), vec(0, Double.NaN, 0, 0, 0, 0));
            PairSample maskAboveOne = new PairSample("b", "b0", basis(6, 1), SparseCode.fromDense(basis(6, 1)), basis(6, 1),
                    vec(1, 1, 1, 1, 1, 1.5));
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(List.of(good, shortCaption))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pair 1 (image b, caption b0): caption embedding of 5 values; pair 0's image embedding has 6");
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(List.of(good, shortMask))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caption mask of 4 values");
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(List.of(good, codeOutside))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image code index 9 is outside");
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(List.of(good, nan))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caption embedding value 1 is NaN");
            assertThatThrownBy(() -> evaluator.evaluate(QualityWindow.of(List.of(good, maskAboveOne))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside [0, 1]");
        }

        @Test
        void settingsAreChecked() {
            assertThatThrownBy(() -> QualitySettings.builder().ks(List.of(5, 1)).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
            assertThatThrownBy(() -> DefaultConfig.qualitySettings().toBuilder().frequentLatentShare(1.5).build())
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void configuredKsAreTheOnesReported() {
            List<PairSample> pairs = List.of(
                    pair("a", "a0", basis(6, 0), basis(6, 0)),
                    pair("b", "b0", basis(6, 1), basis(6, 1)));
            WindowEvaluator custom = new WindowEvaluator(DenseTevi.identity(6), QualitySettings.builder().ks(List.of(2, 3)).build());
            Ranking t2i = custom.evaluate(QualityWindow.of(pairs)).retrieval().orElseThrow().tevi().textToImage();
            assertThat(t2i.recallAtK()).containsOnlyKeys(2, 3);
            assertThatThrownBy(() -> t2i.recallAt(1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

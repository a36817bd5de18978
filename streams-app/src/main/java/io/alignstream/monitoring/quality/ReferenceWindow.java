package io.alignstream.monitoring.quality;

import java.util.List;

/**
 * What drift is measured against: an earlier window's embeddings, summarised once. It keeps the
 * centroids of the L2-normalised image embeddings (distinct images) and caption embeddings, and
 * a fixed-seed subsample of at most {@link QualitySettings#driftSamplesPerSide()} of each for
 * MMD^2. Immutable; the caller keeps it (and replaces it to reset the reference).
 */
public final class ReferenceWindow {
    private final int dimension;
    private final int images;
    private final int captions;
    private final double[] imageCentroid;
    private final double[] captionCentroid;
    private final List<double[]> imageSample;
    private final List<double[]> captionSample;

    private ReferenceWindow(WindowData data, QualitySettings settings) {
        this.dimension = data.dimension;
        this.images = data.images.size();
        this.captions = data.captions.size();
        this.imageCentroid = Vectors.centroid(data.images);
        this.captionCentroid = Vectors.centroid(data.captions);
        this.imageSample = Vectors.subsample(data.images, settings.driftSamplesPerSide(), settings.seed() ^ REFERENCE_IMAGES);
        this.captionSample = Vectors.subsample(data.captions, settings.driftSamplesPerSide(),
                settings.seed() ^ REFERENCE_CAPTIONS);
    }

    static final long REFERENCE_IMAGES = 0x5EF1L;
    static final long REFERENCE_CAPTIONS = 0x5EF2L;
    static final long WINDOW_IMAGES = 0x71A1L;
    static final long WINDOW_CAPTIONS = 0x71A2L;

    /**
     * The reference of a window's pairs (validated as {@link WindowEvaluator#evaluate} does).
     *
     * @throws IllegalArgumentException for an empty window or an invalid pair
     */
    public static ReferenceWindow of(List<PairSample> pairs, QualitySettings settings) {
        WindowData data = WindowData.of(pairs);
        if (data.pairs.isEmpty()) {
            throw new IllegalArgumentException("a reference window needs at least one pair");
        }
        return new ReferenceWindow(data, settings);
    }

    /** d, the embedding width. */
    public int dimension() {
        return dimension;
    }

    /** Distinct images of the reference window. */
    public int images() {
        return images;
    }

    /** Captions (pairs) of the reference window. */
    public int captions() {
        return captions;
    }

    double[] imageCentroid() {
        return imageCentroid;
    }

    double[] captionCentroid() {
        return captionCentroid;
    }

    List<double[]> imageSample() {
        return imageSample;
    }

    List<double[]> captionSample() {
        return captionSample;
    }
}

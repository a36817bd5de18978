package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A window's pairs, validated and indexed: distinct images in order of first appearance (an
 * image's embedding and code are those of its first pair), each pair's image index, and the
 * L2-normalised embeddings.
 */
final class WindowData {
    final List<PairSample> pairs;
    /** d, or 0 for an empty window. */
    final int dimension;
    /** m, or 0 for an empty window. */
    final int latents;
    final List<String> imageIds = new ArrayList<>();
    final List<double[]> images = new ArrayList<>();
    final List<SparseCode> codes = new ArrayList<>();
    final int[] imageOfPair;
    /** t̂ per pair: raw retrieval and caption drift. */
    final List<double[]> captions = new ArrayList<>();
    /** q̂ per pair, the captions TEVI aligned to: the TEVI modality gap. */
    final List<double[]> queries = new ArrayList<>();

    private WindowData(List<PairSample> pairs) {
        this.pairs = pairs;
        this.dimension = pairs.isEmpty() ? 0 : pairs.get(0).imageEmbedding().length;
        this.latents = pairs.isEmpty() ? 0 : pairs.get(0).captionMask().length;
        this.imageOfPair = new int[pairs.size()];
        Map<String, Integer> imageIndex = new LinkedHashMap<>();
        for (int p = 0; p < pairs.size(); p++) {
            PairSample pair = pairs.get(p);
            Integer index = imageIndex.get(pair.imageId());
            if (index == null) {
                index = images.size();
                imageIndex.put(pair.imageId(), index);
                imageIds.add(pair.imageId());
                images.add(Vectors.normalised(pair.imageEmbedding()));
                codes.add(pair.imageCode());
            }
            imageOfPair[p] = index;
            captions.add(Vectors.normalised(pair.captionEmbedding()));
            queries.add(Vectors.normalised(pair.captionQuery()));
        }
    }

    /**
     * Validates every pair against the first: one embedding width d for image, caption, query and
     * aligned embeddings, one dictionary size m for masks and codes, finite values, masks in
     * [0, 1], code indices ascending within [0, m).
     *
     * @throws IllegalArgumentException naming the pair and what is wrong
     */
    static WindowData of(List<PairSample> pairs) {
        if (!pairs.isEmpty()) {
            int d = pairs.get(0).imageEmbedding().length;
            int m = pairs.get(0).captionMask().length;
            if (d == 0) {
                throw new IllegalArgumentException("pair 0 (" + describe(pairs.get(0)) + "): empty image embedding");
            }
            if (m == 0) {
                throw new IllegalArgumentException("pair 0 (" + describe(pairs.get(0)) + "): empty caption mask");
            }
            for (int p = 0; p < pairs.size(); p++) {
                validate(p, pairs.get(p), d, m);
            }
        }
        return new WindowData(List.copyOf(pairs));
    }

    /** Throws unless this window's embeddings have width {@code expected} (a reference's). */
    void requireDimension(int expected, String what) {
        if (dimension != 0 && dimension != expected) {
            throw new IllegalArgumentException("the window's embeddings have " + dimension + " values but " + what
                    + " has " + expected);
        }
    }

    private static void validate(int p, PairSample pair, int d, int m) {
        requireVector(p, pair, "image embedding", pair.imageEmbedding(), d);
        requireVector(p, pair, "caption embedding", pair.captionEmbedding(), d);
        requireVector(p, pair, "caption query", pair.captionQuery(), d);
        if (pair.alignedEmbedding() != null) {
            requireVector(p, pair, "aligned embedding", pair.alignedEmbedding(), d);
        }
        float[] mask = pair.captionMask();
        if (mask.length != m) {
            throw new IllegalArgumentException(prefix(p, pair) + "caption mask of " + mask.length
                    + " values; pair 0's has " + m + " (the dictionary size)");
        }
        for (int i = 0; i < m; i++) {
            if (!(mask[i] >= 0f && mask[i] <= 1f)) {
                throw new IllegalArgumentException(prefix(p, pair) + "caption mask value " + mask[i] + " at latent " + i
                        + " is outside [0, 1]");
            }
        }
        int[] indices = pair.imageCode().indices();
        float[] values = pair.imageCode().values();
        for (int a = 0; a < indices.length; a++) {
            if (indices[a] < 0 || indices[a] >= m) {
                throw new IllegalArgumentException(prefix(p, pair) + "image code index " + indices[a]
                        + " is outside the dictionary [0, " + m + ")");
            }
            if (a > 0 && indices[a] <= indices[a - 1]) {
                throw new IllegalArgumentException(prefix(p, pair) + "image code indices are not strictly ascending at "
                        + indices[a]);
            }
            if (!Float.isFinite(values[a])) {
                throw new IllegalArgumentException(prefix(p, pair) + "image code value " + values[a] + " at latent "
                        + indices[a] + " is not finite");
            }
        }
    }

    private static void requireVector(int p, PairSample pair, String what, float[] vector, int d) {
        if (vector.length != d) {
            throw new IllegalArgumentException(prefix(p, pair) + what + " of " + vector.length
                    + " values; pair 0's image embedding has " + d);
        }
        for (int i = 0; i < d; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException(prefix(p, pair) + what + " value " + i + " is " + vector[i]);
            }
        }
    }

    private static String prefix(int p, PairSample pair) {
        return "pair " + p + " (" + describe(pair) + "): ";
    }

    private static String describe(PairSample pair) {
        return "image " + pair.imageId() + ", caption " + pair.captionId();
    }
}

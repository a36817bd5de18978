package io.alignstream.runtime.retrieval;

import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.heads.SparseCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * TEVI retrieval without running the head per (caption, image) pair: images are indexed by
 * their sparse codes z_j alone, a caption becomes one weight vector over the dictionary, and
 * each image's score is the exact cosine the head would give.
 *
 * <h2>The score</h2>
 * A caption queries with q, its embedding t through the bundle's caption adapter, or t itself
 * when the bundle has none ({@link io.alignstream.runtime.heads.CaptionQuery}); the head computes
 * the mask from q and aligns to q. With W = W_dec [d x m], b = b_dec, the caption's mask
 * m_q = mask(q), an image's code z with active latents A (|A| = k) and v = z * m_q (zero outside
 * A), TEVI's aligned embedding is x = W v + b, normalised. Its cosine with q is
 * <pre>
 *   cos(x_tevi, q) = (u_q . z + b . q)
 *                    / ( ||q|| * sqrt( sum_{i,j in A} v_i v_j G_ij + 2 sum_{i in A} v_i c_i + b . b ) )
 *
 *   u_q = m_q * (W^T q)   (one weight per latent, computed once per caption)
 *   G   = W^T W           (the decoder's Gram matrix, m x m, computed once per bundle)
 *   c   = W^T b           (m, once per bundle)
 * </pre>
 * because x . q = v . (W^T q) + b . q = u_q . z + b . q, and
 * ||x||^2 = v^T W^T W v + 2 v . W^T b + b . b, where v is non-zero only on A. The numerator is
 * O(k) per image (a sparse dot product, so an inverted index over z could serve it), the norm
 * O(k^2) from G's k x k block. Normalising x first does not change the cosine; b_dec is kept in
 * both the numerator and the norm, so this equals the head's output exactly (up to float
 * rounding), not an approximation.
 *
 * <p>G costs m^2 / 2 dot products of length d at construction (1.8 GFLOP for m = 3072, d = 384)
 * and m^2 floats of memory (38 MB). Thread-safe once constructed.
 */
public final class TeviRetrievalScorer {

    private final TeviDecoder decoder;
    private final int latents;
    /** G = W^T W, row-major m x m. */
    private final float[] gram;
    /** c = W^T b. */
    private final double[] decoderDotBias;
    private final double biasNormSquared;

    public TeviRetrievalScorer(TeviDecoder decoder) {
        this.decoder = decoder;
        this.latents = decoder.latents();
        this.gram = gramMatrix(decoder);
        float[] bias = decoder.biasView();
        this.decoderDotBias = new double[latents];
        for (int i = 0; i < latents; i++) {
            decoderDotBias[i] = decoder.atomDot(i, bias);
        }
        double bb = 0;
        for (float b : bias) {
            bb += (double) b * b;
        }
        this.biasNormSquared = bb;
    }

    /** The scorer for a loaded bundle, with the decoder read from its tevi.onnx. */
    public static TeviRetrievalScorer of(ModelBundle bundle) {
        return new TeviRetrievalScorer(TeviDecoder.read(bundle.graph(BundleManifest.TEVI), "sparse_codes", "mask"));
    }

    private static float[] gramMatrix(TeviDecoder decoder) {
        int m = decoder.latents();
        float[] g = new float[m * m];
        // Rows in parallel: each (i, j >= i) entry once, mirrored; double accumulation.
        IntStream.range(0, m).parallel().forEach(i -> {
            for (int j = i; j < m; j++) {
                float value = (float) decoder.gram(i, j);
                g[i * m + j] = value;
                g[j * m + i] = value;
            }
        });
        return g;
    }

    /**
     * A caption as a query.
     *
     * @param queryEmbedding q, the caption's query embedding (dims.embedding)
     * @param mask           mask(q) over the dictionary; both from
     *                       {@link io.alignstream.runtime.heads.TeviAligner#queries}
     */
    public Query query(float[] queryEmbedding, float[] mask) {
        requireQueryShape(queryEmbedding, mask);
        double[] weights = new double[latents];
        for (int i = 0; i < latents; i++) {
            weights[i] = mask[i] * decoder.atomDot(i, queryEmbedding);
        }
        return query(queryEmbedding, mask, weights);
    }

    /**
     * One caption's cosines with each of a few images: exactly {@code score(query(q, mask), code)}
     * for each code, but the caption's weights u_q are computed only on the latents active in
     * {@code codes}, O(|their union| d) instead of O(m d). For scoring a caption against a small
     * set of images (a monitoring window: a few hundred images share a few hundred latents) rather
     * than a whole index, where {@link #query} once and {@link #score} per image is the way.
     */
    public double[] scores(float[] queryEmbedding, float[] mask, List<SparseCode> codes) {
        requireQueryShape(queryEmbedding, mask);
        double[] weights = new double[latents];
        boolean[] computed = new boolean[latents];
        for (SparseCode code : codes) {
            for (int latent : code.indices()) {
                if (!computed[latent]) {
                    weights[latent] = mask[latent] * decoder.atomDot(latent, queryEmbedding);
                    computed[latent] = true;
                }
            }
        }
        Query query = query(queryEmbedding, mask, weights);
        double[] out = new double[codes.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = score(query, codes.get(j));
        }
        return out;
    }

    private void requireQueryShape(float[] queryEmbedding, float[] mask) {
        if (queryEmbedding.length != decoder.dimension() || mask.length != latents) {
            throw new IllegalArgumentException("query embedding of " + queryEmbedding.length + " and mask of "
                    + mask.length + " values; expected " + decoder.dimension() + " and " + latents);
        }
    }

    private Query query(float[] queryEmbedding, float[] mask, double[] weights) {
        double bq = 0;
        double qq = 0;
        float[] bias = decoder.biasView();
        for (int d = 0; d < queryEmbedding.length; d++) {
            bq += (double) bias[d] * queryEmbedding[d];
            qq += (double) queryEmbedding[d] * queryEmbedding[d];
        }
        return new Query(weights, mask.clone(), bq, Math.sqrt(qq));
    }

    /** cos(x_tevi(image, caption), q): exactly what the TEVI head's aligned embedding gives. */
    public double score(Query query, SparseCode code) {
        int[] active = code.indices();
        float[] z = code.values();
        int k = active.length;
        double numerator = query.biasDotCaption;
        double[] v = new double[k];
        double linear = 0;
        for (int a = 0; a < k; a++) {
            numerator += z[a] * query.weights[active[a]];
            v[a] = (double) z[a] * query.mask[active[a]];
            linear += v[a] * decoderDotBias[active[a]];
        }
        double quadratic = 0;
        for (int a = 0; a < k; a++) {
            int row = active[a] * latents;
            double inner = 0;
            for (int b = 0; b < k; b++) {
                inner += gram[row + active[b]] * v[b];
            }
            quadratic += v[a] * inner;
        }
        double normSquared = Math.max(quadratic + 2 * linear + biasNormSquared, 1e-24);
        return numerator / (Math.sqrt(normSquared) * Math.max(query.captionNorm, 1e-12));
    }

    /** The best {@code n} images for a query, best first (ties by lower index). */
    public List<Hit> top(Query query, List<SparseCode> codes, int n) {
        Comparator<Hit> worstFirst = Comparator.comparingDouble(Hit::score).thenComparing(Hit::image, Comparator.reverseOrder());
        PriorityQueue<Hit> best = new PriorityQueue<>(worstFirst);
        for (int j = 0; j < codes.size(); j++) {
            best.add(new Hit(j, score(query, codes.get(j))));
            if (best.size() > n) {
                best.poll();
            }
        }
        List<Hit> out = new ArrayList<>(best);
        out.sort(worstFirst.reversed());
        return out;
    }

    /**
     * A caption turned into dictionary weights.
     *
     * @param weights        u_q = mask(q) * (W_dec^T q), one per latent
     * @param mask           mask(q), for the norm term
     * @param biasDotCaption b_dec . q
     * @param captionNorm    ||q||
     */
    public record Query(double[] weights, float[] mask, double biasDotCaption, double captionNorm) {
    }

    /** An image by its position in the scored list, and its cosine. */
    public record Hit(int image, double score) {
    }
}

package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import java.util.List;

/**
 * TEVI's scores of one caption against a window's images, cos(x_tevi(image code, caption mask), q),
 * q the caption's query embedding (t through the bundle's caption adapter, or t without one).
 * {@link #of(TeviRetrievalScorer)} is the production implementation (exact); tests may supply a
 * dense one.
 */
@FunctionalInterface
public interface TeviScoring {

    /**
     * The TEVI cosine of the caption (query embedding q, dense mask(q) over the m latents) with
     * each image code, in order.
     */
    double[] scores(float[] captionQuery, float[] captionMask, List<SparseCode> imageCodes);

    /**
     * The runtime's exact scorer, through {@link TeviRetrievalScorer#scores}: the caption's
     * dictionary weights are computed only on the latents active in the window's images, which
     * makes a caption cost O(|union of active latents| d) rather than the full query's O(m d).
     */
    static TeviScoring of(TeviRetrievalScorer scorer) {
        return scorer::scores;
    }
}

package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;

/**
 * TEVI's score of (image, caption) pairs, cos(x_tevi(image code, caption mask), t): a caption
 * becomes a query once, then scores each image code. {@link #of(TeviRetrievalScorer)} is the
 * production implementation (exact, O(k^2) per pair); tests may supply a dense one.
 */
@FunctionalInterface
public interface TeviScoring {

    /** A caption (its embedding t and dense mask) turned into a query. */
    CaptionQuery query(float[] captionEmbedding, float[] captionMask);

    /** One caption's scorer of images. */
    @FunctionalInterface
    interface CaptionQuery {
        /** cos(x_tevi, t) of the image with code {@code imageCode}. */
        double score(SparseCode imageCode);
    }

    /** The runtime's exact scorer. */
    static TeviScoring of(TeviRetrievalScorer scorer) {
        return (captionEmbedding, captionMask) -> {
            TeviRetrievalScorer.Query query = scorer.query(captionEmbedding, captionMask);
            return code -> scorer.score(query, code);
        };
    }
}

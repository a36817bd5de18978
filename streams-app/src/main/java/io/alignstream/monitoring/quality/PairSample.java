package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import java.util.Objects;

/**
 * One (image, caption) pair of a monitoring window. One image may appear in several pairs
 * (several captions); the window's figures take an image's embedding and code from its first
 * pair.
 *
 * @param imageId          the image's id (pairs with the same id are the same image)
 * @param captionId        the caption's id
 * @param imageEmbedding   x, the raw image embedding from the vision tower (d values)
 * @param imageCode        z, the image's TEVI sparse-autoencoder code
 * @param captionEmbedding t, the caption's embedding from the text head (d values): what raw
 *                         retrieval and caption drift compare
 * @param captionQuery     q, the caption as TEVI queries with it (d values): t through the
 *                         bundle's caption adapter, or t itself without one; from
 *                         {@code TeviAligner.queries}
 * @param captionMask      mask(q), the caption's dense TEVI mask over the m latents, from
 *                         {@code TeviAligner.queries}
 * @param alignedEmbedding x_tevi of this pair (d values, as published in {@code TeviEmbedding}),
 *                         or {@code null}: only the TEVI modality gap needs it, and it is absent
 *                         from the figures unless every pair of the window has one
 */
public record PairSample(String imageId, String captionId, float[] imageEmbedding, SparseCode imageCode,
                         float[] captionEmbedding, float[] captionQuery, float[] captionMask, float[] alignedEmbedding) {

    public PairSample {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(captionId, "captionId");
        Objects.requireNonNull(imageEmbedding, "imageEmbedding");
        Objects.requireNonNull(imageCode, "imageCode");
        Objects.requireNonNull(captionEmbedding, "captionEmbedding");
        Objects.requireNonNull(captionQuery, "captionQuery");
        Objects.requireNonNull(captionMask, "captionMask");
    }

    /** A pair from a bundle without a caption adapter (q = t). */
    public PairSample(String imageId, String captionId, float[] imageEmbedding, SparseCode imageCode,
                      float[] captionEmbedding, float[] captionMask, float[] alignedEmbedding) {
        this(imageId, captionId, imageEmbedding, imageCode, captionEmbedding, captionEmbedding, captionMask, alignedEmbedding);
    }

    /** A pair from a bundle without a caption adapter (q = t), without its aligned embedding. */
    public PairSample(String imageId, String captionId, float[] imageEmbedding, SparseCode imageCode,
                      float[] captionEmbedding, float[] captionMask) {
        this(imageId, captionId, imageEmbedding, imageCode, captionEmbedding, captionMask, null);
    }

    /** The same pair with another caption (embedding, query, mask, id): for shuffling tests and what-ifs. */
    public PairSample withCaption(String newCaptionId, float[] newCaptionEmbedding, float[] newCaptionQuery,
                                  float[] newCaptionMask) {
        return new PairSample(imageId, newCaptionId, imageEmbedding, imageCode, newCaptionEmbedding, newCaptionQuery,
                newCaptionMask, null);
    }
}

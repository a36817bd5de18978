package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.text.CaptionLength;
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
 * @param captionLength    short or long ({@link CaptionLength}: more than one sub-caption), or
 *                         {@code null} when unknown (a record from before TeviEmbedding v3): such
 *                         a pair counts in every figure except the short and long ones
 */
public record PairSample(String imageId, String captionId, float[] imageEmbedding, SparseCode imageCode,
                         float[] captionEmbedding, float[] captionQuery, float[] captionMask, float[] alignedEmbedding,
                         CaptionLength captionLength) {

    public PairSample {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(captionId, "captionId");
        Objects.requireNonNull(imageEmbedding, "imageEmbedding");
        Objects.requireNonNull(imageCode, "imageCode");
        Objects.requireNonNull(captionEmbedding, "captionEmbedding");
        Objects.requireNonNull(captionQuery, "captionQuery");
        Objects.requireNonNull(captionMask, "captionMask");
    }

    /** A pair whose caption length is unknown. */
    public PairSample(String imageId, String captionId, float[] imageEmbedding, SparseCode imageCode,
                      float[] captionEmbedding, float[] captionQuery, float[] captionMask, float[] alignedEmbedding) {
        this(imageId, captionId, imageEmbedding, imageCode, captionEmbedding, captionQuery, captionMask, alignedEmbedding, null);
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

    /** The same pair with another caption (embedding, query, mask, id, length): for shuffling tests and what-ifs. */
    public PairSample withCaption(String newCaptionId, float[] newCaptionEmbedding, float[] newCaptionQuery,
                                  float[] newCaptionMask, CaptionLength newCaptionLength) {
        return new PairSample(imageId, newCaptionId, imageEmbedding, imageCode, newCaptionEmbedding, newCaptionQuery,
                newCaptionMask, null, newCaptionLength);
    }

    /** The same pair with its caption's length said (or unknown: {@code null}). */
    public PairSample withCaptionLength(CaptionLength length) {
        return new PairSample(imageId, captionId, imageEmbedding, imageCode, captionEmbedding, captionQuery, captionMask,
                alignedEmbedding, length);
    }
}

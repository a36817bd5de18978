package io.alignstream.runtime.heads;

/**
 * TEVI's output for one (image, caption) pair.
 *
 * @param alignedEmbedding normalize(W_dec (z * mask) + b_dec): the image embedding keeping what
 *                         the caption talks about
 * @param code             the image's sparse code z
 * @param mask             statistics of the caption's mask against that code
 * @param query            q, the caption embedding the aligned embedding is aligned to: the
 *                         head's {@code caption_aligned} output when the bundle has a caption
 *                         adapter, else the caption embedding given (the same array)
 */
public record TeviAlignment(float[] alignedEmbedding, SparseCode code, MaskStatistics mask, float[] query) {
}

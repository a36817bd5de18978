package io.alignstream.runtime.heads;

/**
 * TEVI's output for one (image, caption) pair.
 *
 * @param alignedEmbedding normalize(W_dec (z * mask) + b_dec): the image embedding keeping what
 *                         the caption talks about
 * @param code             the image's sparse code z
 * @param mask             statistics of the caption's mask against that code
 */
public record TeviAlignment(float[] alignedEmbedding, SparseCode code, MaskStatistics mask) {
}

package io.alignstream.runtime.heads;

/**
 * A caption as TEVI queries with it, independent of any image: what
 * {@code TeviRetrievalScorer.query} takes.
 *
 * @param query q, the caption embedding through the bundle's caption adapter (the head's
 *              {@code caption_aligned} output), or the caption embedding given (the same array)
 *              when the bundle has no adapter
 * @param mask  mask(q), the caption's dense mask over the m dictionary latents, in [0, 1]
 */
public record CaptionQuery(float[] query, float[] mask) {
}

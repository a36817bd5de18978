package io.alignstream.text;

import java.util.List;

/**
 * A short-context caption encoder: the bundle's text head
 * ({@link io.alignstream.runtime.heads.TextTower}). {@link LongCaptionEncoder} builds the rule for
 * captions of any length on top of it.
 */
public interface TextEncoder extends TokenCounter {

    /** L2-normalised embeddings of texts that fit the encoder's context, in input order. */
    float[][] embedAll(List<String> texts);
}

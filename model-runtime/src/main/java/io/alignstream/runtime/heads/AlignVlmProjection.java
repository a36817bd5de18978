package io.alignstream.runtime.heads;

import java.util.List;

/**
 * AlignVLM's output for one image.
 *
 * @param projectedTokens F_align = P E_text per patch token, tokens x dims.embedding row-major: each
 *                        token a convex mixture of real MiniLM word embeddings
 * @param pooled          mean of the projected tokens (not normalised)
 * @param topWords        the most probable vocabulary words of the token-averaged P, best first
 */
public record AlignVlmProjection(float[] projectedTokens, float[] pooled, List<VocabularyWord> topWords) {
    public AlignVlmProjection {
        topWords = List.copyOf(topWords);
    }
}

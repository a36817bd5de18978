package io.alignstream.monitoring.quality;

import java.util.List;
import java.util.Objects;

/**
 * One image's AlignVLM top words, best first, with their weights in the token-averaged
 * vocabulary distribution P (as published in {@code AlignVlmEmbedding.topWords}).
 */
public record AlignVlmSample(String imageId, List<String> topWords, float[] topWeights) {

    public AlignVlmSample {
        Objects.requireNonNull(imageId, "imageId");
        topWords = List.copyOf(topWords);
        Objects.requireNonNull(topWeights, "topWeights");
        if (topWords.size() != topWeights.length) {
            throw new IllegalArgumentException("AlignVLM sample " + imageId + ": " + topWords.size() + " top words but "
                    + topWeights.length + " weights");
        }
    }
}

package io.alignstream.topology.embedding;

import io.alignstream.text.CaptionLength;
import java.util.Objects;
import java.util.Optional;

/**
 * A caption's embedding by the sub-caption rule, with how many sub-captions it was embedded as:
 * what makes it short or long ({@link CaptionLength}), carried to its TEVI record and from there
 * to the monitor.
 *
 * @param embedding   t, the L2-normalised mean of the sub-captions' embeddings
 * @param subCaptions how many sub-captions; 0 when unknown (a caption held in {@code pending-captions}
 *                    by a version that did not keep the count and whose text no longer prepares)
 */
public record EmbeddedCaption(float[] embedding, int subCaptions) {
    public EmbeddedCaption {
        Objects.requireNonNull(embedding, "embedding");
        if (subCaptions < 0) {
            throw new IllegalArgumentException("subCaptions must not be negative: " + subCaptions);
        }
    }

    /** Short or long; empty when the count is unknown. */
    public Optional<CaptionLength> length() {
        return CaptionLength.ofKnown(subCaptions);
    }
}

package io.alignstream.monitoring.quality;

import java.util.List;

/**
 * What one monitoring window holds: its (image, caption) pairs, the AlignVLM top words of its
 * images (may be empty), and how many dead letters were recorded in it.
 */
public record QualityWindow(List<PairSample> pairs, List<AlignVlmSample> alignVlm, long deadLetters) {

    public QualityWindow {
        pairs = List.copyOf(pairs);
        alignVlm = List.copyOf(alignVlm);
        if (deadLetters < 0) {
            throw new IllegalArgumentException("deadLetters must not be negative: " + deadLetters);
        }
    }

    /** Pairs only: no AlignVLM samples, no dead letters. */
    public static QualityWindow of(List<PairSample> pairs) {
        return new QualityWindow(pairs, List.of(), 0);
    }
}

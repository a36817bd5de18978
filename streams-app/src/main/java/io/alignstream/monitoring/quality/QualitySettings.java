package io.alignstream.monitoring.quality;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The knobs of {@link WindowEvaluator}. {@link #builder()} starts from the figures as
 * docs/monitoring-figures.md describes them (the defaults below, which no configuration key
 * sets); the Ks have no default here, the service's come from {@code alignstream.monitor.recall.ks}.
 *
 * @param ks                     the K of Recall@K, ascending and distinct
 * @param randomPairs            how many non-matching (image, caption) pairs the random-pair
 *                               cosine averages over, drawn with replacement (default 1024)
 * @param driftSamplesPerSide    at most this many embeddings per side (reference, window) enter
 *                               MMD^2, a fixed-seed subsample (default 256)
 * @param frequentLatentShare    a latent is "very frequent" when active in more than this share
 *                               of the window's images (default 0.10)
 * @param maskThreshold          a mask value above this keeps its latent (default 0.5)
 * @param alignVlmTopWords       how many of an image's top words count as "its top words" for the
 *                               word shares (default 10); the entropy uses all weights given
 * @param reportedWords          how many of the most frequent words the figures list (default 10)
 * @param seed                   seed of every random draw (random pairs, drift subsamples), so a
 *                               window always gives the same figures
 */
public record QualitySettings(List<Integer> ks, int randomPairs, int driftSamplesPerSide, double frequentLatentShare,
                              double maskThreshold, int alignVlmTopWords, int reportedWords, long seed) {

    public QualitySettings {
        ks = List.copyOf(ks);
        if (ks.isEmpty()) {
            throw new IllegalArgumentException("ks must name at least one K");
        }
        List<Integer> given = ks;
        boolean ascending = IntStream.range(0, given.size())
                .allMatch(i -> given.get(i) >= 1 && (i == 0 || given.get(i) > given.get(i - 1)));
        if (!ascending) {
            throw new IllegalArgumentException("ks must be positive, distinct and ascending: " + ks);
        }
        requirePositive("randomPairs", randomPairs);
        if (driftSamplesPerSide < 2) {
            throw new IllegalArgumentException("driftSamplesPerSide must be at least 2: " + driftSamplesPerSide);
        }
        if (!(frequentLatentShare > 0 && frequentLatentShare < 1)) {
            throw new IllegalArgumentException("frequentLatentShare must lie in (0, 1): " + frequentLatentShare);
        }
        if (!(maskThreshold >= 0 && maskThreshold < 1)) {
            throw new IllegalArgumentException("maskThreshold must lie in [0, 1): " + maskThreshold);
        }
        requirePositive("alignVlmTopWords", alignVlmTopWords);
        requirePositive("reportedWords", reportedWords);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().ks(ks).randomPairs(randomPairs).driftSamplesPerSide(driftSamplesPerSide)
                .frequentLatentShare(frequentLatentShare).maskThreshold(maskThreshold)
                .alignVlmTopWords(alignVlmTopWords).reportedWords(reportedWords).seed(seed);
    }

    /** Builds {@link QualitySettings}; {@link #build()} refuses unset Ks. */
    public static final class Builder {
        private List<Integer> ks;
        private int randomPairs = 1024;
        private int driftSamplesPerSide = 256;
        private double frequentLatentShare = 0.10;
        private double maskThreshold = 0.5;
        private int alignVlmTopWords = 10;
        private int reportedWords = 10;
        private long seed = 20_260_606L;

        private Builder() {
        }

        public Builder ks(List<Integer> value) {
            ks = value;
            return this;
        }

        public Builder randomPairs(int value) {
            randomPairs = value;
            return this;
        }

        public Builder driftSamplesPerSide(int value) {
            driftSamplesPerSide = value;
            return this;
        }

        public Builder frequentLatentShare(double value) {
            frequentLatentShare = value;
            return this;
        }

        public Builder maskThreshold(double value) {
            maskThreshold = value;
            return this;
        }

        public Builder alignVlmTopWords(int value) {
            alignVlmTopWords = value;
            return this;
        }

        public Builder reportedWords(int value) {
            reportedWords = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public QualitySettings build() {
            if (ks == null) {
                throw new IllegalStateException("QualitySettings.ks is not set");
            }
            return new QualitySettings(ks, randomPairs, driftSamplesPerSide, frequentLatentShare, maskThreshold,
                    alignVlmTopWords, reportedWords, seed);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}

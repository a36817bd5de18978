package io.alignstream.monitoring.quality;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The knobs of {@link WindowEvaluator}; {@link #defaults()} is what docs/monitoring-figures.md
 * describes.
 *
 * @param ks                     the K of Recall@K, ascending and distinct (default 1, 5, 10)
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

    public static final List<Integer> DEFAULT_KS = List.of(1, 5, 10);

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

    public static QualitySettings defaults() {
        return new QualitySettings(DEFAULT_KS, 1024, 256, 0.10, 0.5, 10, 10, 20_260_606L);
    }

    public QualitySettings withKs(List<Integer> newKs) {
        return new QualitySettings(newKs, randomPairs, driftSamplesPerSide, frequentLatentShare, maskThreshold,
                alignVlmTopWords, reportedWords, seed);
    }

    public QualitySettings withDriftSamplesPerSide(int samples) {
        return new QualitySettings(ks, randomPairs, samples, frequentLatentShare, maskThreshold, alignVlmTopWords,
                reportedWords, seed);
    }

    public QualitySettings withFrequentLatentShare(double share) {
        return new QualitySettings(ks, randomPairs, driftSamplesPerSide, share, maskThreshold, alignVlmTopWords,
                reportedWords, seed);
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}

package io.alignstream.monitoring.quality;

import io.alignstream.text.CaptionLength;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every figure of one monitoring window, by name. A figure that the window cannot give (fewer
 * than two images for retrieval, no reference for drift, no AlignVLM samples, no pairs at all)
 * is absent ({@link Optional#empty()} / {@link OptionalDouble#empty()}), never NaN.
 * docs/monitoring-figures.md defines each one.
 *
 * @param volume     counts, always present
 * @param retrieval  in-window retrieval; absent with fewer than 2 distinct images
 * @param alignment  true-pair and random-pair cosines, modality gaps; absent with no pairs
 * @param drift      against the reference window; absent without a reference or with no pairs
 * @param dictionary TEVI dictionary health; absent with no pairs
 * @param alignVlm   AlignVLM entropy and top words; absent with no AlignVLM samples
 * @param byCaptionLength retrieval over the window's short captions and over its long ones
 *                        ({@link CaptionLength}); a length is absent unless its captions come from
 *                        at least 2 distinct images (a window of short captions only has no long entry)
 */
public record QualityFigures(Volume volume, Optional<Retrieval> retrieval, Optional<Alignment> alignment,
                             Optional<Drift> drift, Optional<DictionaryHealth> dictionary,
                             Optional<AlignVlmFigures> alignVlm, Map<CaptionLength, LengthRetrieval> byCaptionLength) {

    public QualityFigures {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(retrieval, "retrieval");
        Objects.requireNonNull(alignment, "alignment");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(dictionary, "dictionary");
        Objects.requireNonNull(alignVlm, "alignVlm");
        EnumMap<CaptionLength, LengthRetrieval> lengths = new EnumMap<>(CaptionLength.class);
        lengths.putAll(Objects.requireNonNull(byCaptionLength, "byCaptionLength"));
        byCaptionLength = Collections.unmodifiableMap(lengths);
    }

    /** Figures without a short/long split (no pair's caption length known). */
    public QualityFigures(Volume volume, Optional<Retrieval> retrieval, Optional<Alignment> alignment,
                          Optional<Drift> drift, Optional<DictionaryHealth> dictionary, Optional<AlignVlmFigures> alignVlm) {
        this(volume, retrieval, alignment, drift, dictionary, alignVlm, Map.of());
    }

    /** The retrieval figures over the captions of one length, when the window has them. */
    public Optional<LengthRetrieval> retrieval(CaptionLength length) {
        return Optional.ofNullable(byCaptionLength.get(length));
    }

    /**
     * @param pairs          (image, caption) pairs in the window (= caption queries)
     * @param images         distinct images (the retrieval gallery)
     * @param alignVlmImages distinct images with AlignVLM top words
     * @param deadLetters    dead letters recorded in the window
     * @param shortCaptions  pairs whose caption is short (one sub-caption)
     * @param longCaptions   pairs whose caption is long (more than one sub-caption); pairs of
     *                       unknown length (records from before TeviEmbedding v3) are in neither
     */
    public record Volume(int pairs, int images, int alignVlmImages, long deadLetters, int shortCaptions, int longCaptions) {
        /** Counts of a window whose captions' lengths are unknown. */
        public Volume(int pairs, int images, int alignVlmImages, long deadLetters) {
            this(pairs, images, alignVlmImages, deadLetters, 0, 0);
        }

        /** Pairs of this caption length. */
        public int captions(CaptionLength length) {
            return length == CaptionLength.LONG ? longCaptions : shortCaptions;
        }
    }

    /**
     * Retrieval restricted to the captions of one length: text->image ranks each of those
     * captions against all the window's images (as the whole window does); image->text ranks, for
     * each image with a caption of that length, the captions of that length only.
     *
     * @param captions  captions of this length (text->image queries)
     * @param images    distinct images with at least one caption of this length (image->text queries)
     * @param retrieval raw, TEVI and TEVI minus raw, both directions
     */
    public record LengthRetrieval(int captions, int images, Retrieval retrieval) {
    }

    /** Retrieval with raw embeddings, with TEVI, and TEVI minus raw (figure by figure). */
    public record Retrieval(Directions raw, Directions tevi, Directions teviMinusRaw) {
    }

    /** Both retrieval directions of one score. */
    public record Directions(Ranking textToImage, Ranking imageToText) {
    }

    /**
     * One retrieval direction.
     *
     * @param recallAtK          K to the share of queries whose (first) true item ranks within K
     * @param meanReciprocalRank mean of 1 / rank of the (first) true item
     * @param queries            the number of queries averaged over
     */
    public record Ranking(SortedMap<Integer, Double> recallAtK, double meanReciprocalRank, int queries) {
        public Ranking {
            recallAtK = Collections.unmodifiableSortedMap(new TreeMap<>(recallAtK));
        }

        /** Recall@k, for one of the configured K. */
        public double recallAt(int k) {
            Double value = recallAtK.get(k);
            if (value == null) {
                throw new IllegalArgumentException("Recall@" + k + " was not computed; K values: " + recallAtK.keySet());
            }
            return value;
        }
    }

    /**
     * How well true pairs line up.
     *
     * @param raw              cosines of raw image embeddings with captions
     * @param tevi             TEVI cosines (the caption-conditioned image with its caption)
     * @param rawModalityGap   ||mean_p x̂_image(p) - mean_p t̂_p||, over the window's pairs (x̂, t̂
     *                         L2-normalised; an image counts once per caption)
     * @param teviModalityGap  the same with x̂ the pair's normalised TEVI-aligned embedding; absent
     *                         unless every pair carries its aligned embedding
     */
    public record Alignment(PairCosines raw, PairCosines tevi, double rawModalityGap, OptionalDouble teviModalityGap) {
    }

    /**
     * @param truePairs          mean cosine over the window's pairs
     * @param randomPairs        mean cosine over sampled non-matching (image, caption) pairs; absent
     *                           with fewer than 2 images
     * @param randomPairsSampled how many were sampled (0 when absent)
     */
    public record PairCosines(double truePairs, OptionalDouble randomPairs, int randomPairsSampled) {
        /** truePairs - randomPairs: how far true pairs stand out; absent with randomPairs. */
        public OptionalDouble margin() {
            return randomPairs.isPresent() ? OptionalDouble.of(truePairs - randomPairs.getAsDouble()) : OptionalDouble.empty();
        }
    }

    /** Drift of the window against the reference window, per modality. */
    public record Drift(ModalityDrift images, ModalityDrift captions) {
    }

    /**
     * @param centroidDistance  ||mean(reference) - mean(window)|| of L2-normalised embeddings, all of them
     * @param mmd2              unbiased MMD^2, Gaussian kernel, on subsamples; absent when a side has
     *                          fewer than 2 embeddings
     * @param bandwidth         sigma of the kernel exp(-||a-b||^2 / (2 sigma^2)): the median pooled
     *                          pairwise distance; absent with mmd2
     * @param referenceSamples  embeddings of the reference in MMD^2
     * @param windowSamples     embeddings of the window in MMD^2
     */
    public record ModalityDrift(double centroidDistance, OptionalDouble mmd2, OptionalDouble bandwidth,
                                int referenceSamples, int windowSamples) {
    }

    /**
     * @param latents            m, the dictionary size
     * @param images             distinct images whose codes were counted
     * @param deadFraction       share of the m latents active in no image of the window
     * @param frequentFraction   share of the m latents active in more than {@code frequentShare} of the images
     * @param frequentShare      the threshold used (settings)
     * @param meanActiveLatents  mean number of active latents per image code (k for a TopK SAE)
     * @param meanMaskDensity    mean over captions of the share of latents with mask above the threshold
     */
    public record DictionaryHealth(int latents, int images, double deadFraction, double frequentFraction,
                                   double frequentShare, double meanActiveLatents, double meanMaskDensity) {
    }

    /**
     * @param images          distinct images with AlignVLM samples
     * @param meanEntropyNats mean over images of the entropy of their top-word weights renormalised to sum 1
     * @param topWords        the most frequent top words, most frequent first (ties by word)
     */
    public record AlignVlmFigures(int images, double meanEntropyNats, List<WordShare> topWords) {
        public AlignVlmFigures {
            topWords = List.copyOf(topWords);
        }
    }

    /** A word and the share of images having it among their top words. */
    public record WordShare(String word, double share) {
    }

    /** The most frequent AlignVLM top words, most frequent first (empty without AlignVLM samples). */
    public List<String> topWords() {
        return alignVlm.map(a -> a.topWords().stream().map(WordShare::word).toList()).orElse(List.of());
    }

    /**
     * Every present figure under a flat name (the {@code metrics} map of
     * {@code RetrievalQualityReport}); absent figures have no entry. Names:
     * {@code volume.*}, {@code {raw,tevi,tevi_minus_raw}.{t2i,i2t}.{recall_at_K,mrr}},
     * {@code alignment.{raw,tevi}.{true_pair_cosine,random_pair_cosine,modality_gap}},
     * {@code drift.{image,caption}.{centroid_distance,mmd2,bandwidth}},
     * {@code dictionary.*}, {@code alignvlm.mean_entropy_nats}, and per caption length
     * {@code {short,long}.{raw,tevi,tevi_minus_raw}.{t2i,i2t}.{recall_at_K,mrr}} with the counts
     * {@code volume.{short,long}_captions}.
     */
    public SortedMap<String, Double> metrics() {
        SortedMap<String, Double> m = new TreeMap<>();
        m.put("volume.pairs", (double) volume.pairs());
        m.put("volume.images", (double) volume.images());
        m.put("volume.alignvlm_images", (double) volume.alignVlmImages());
        m.put("volume.dead_letters", (double) volume.deadLetters());
        for (CaptionLength length : CaptionLength.values()) {
            m.put("volume." + length.key() + "_captions", (double) volume.captions(length));
        }
        byCaptionLength.forEach((length, figures) -> {
            putDirections(m, length.key() + ".raw", figures.retrieval().raw());
            putDirections(m, length.key() + ".tevi", figures.retrieval().tevi());
            putDirections(m, length.key() + ".tevi_minus_raw", figures.retrieval().teviMinusRaw());
        });
        retrieval.ifPresent(r -> {
            putDirections(m, "raw", r.raw());
            putDirections(m, "tevi", r.tevi());
            putDirections(m, "tevi_minus_raw", r.teviMinusRaw());
        });
        alignment.ifPresent(a -> {
            putCosines(m, "alignment.raw", a.raw());
            putCosines(m, "alignment.tevi", a.tevi());
            m.put("alignment.raw.modality_gap", a.rawModalityGap());
            a.teviModalityGap().ifPresent(g -> m.put("alignment.tevi.modality_gap", g));
        });
        drift.ifPresent(d -> {
            putDrift(m, "drift.image", d.images());
            putDrift(m, "drift.caption", d.captions());
        });
        dictionary.ifPresent(d -> {
            m.put("dictionary.dead_fraction", d.deadFraction());
            m.put("dictionary.frequent_fraction", d.frequentFraction());
            m.put("dictionary.mean_active_latents", d.meanActiveLatents());
            m.put("dictionary.mean_mask_density", d.meanMaskDensity());
        });
        alignVlm.ifPresent(a -> m.put("alignvlm.mean_entropy_nats", a.meanEntropyNats()));
        return Collections.unmodifiableSortedMap(m);
    }

    private static void putDirections(Map<String, Double> m, String prefix, Directions d) {
        putRanking(m, prefix + ".t2i", d.textToImage());
        putRanking(m, prefix + ".i2t", d.imageToText());
    }

    private static void putRanking(Map<String, Double> m, String prefix, Ranking r) {
        r.recallAtK().forEach((k, v) -> m.put(prefix + ".recall_at_" + k, v));
        m.put(prefix + ".mrr", r.meanReciprocalRank());
    }

    private static void putCosines(Map<String, Double> m, String prefix, PairCosines c) {
        m.put(prefix + ".true_pair_cosine", c.truePairs());
        c.randomPairs().ifPresent(v -> m.put(prefix + ".random_pair_cosine", v));
    }

    private static void putDrift(Map<String, Double> m, String prefix, ModalityDrift d) {
        m.put(prefix + ".centroid_distance", d.centroidDistance());
        d.mmd2().ifPresent(v -> m.put(prefix + ".mmd2", v));
        d.bandwidth().ifPresent(v -> m.put(prefix + ".bandwidth", v));
    }
}

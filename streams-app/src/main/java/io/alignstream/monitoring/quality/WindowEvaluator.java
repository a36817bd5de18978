package io.alignstream.monitoring.quality;

import io.alignstream.monitoring.quality.QualityFigures.AlignVlmFigures;
import io.alignstream.monitoring.quality.QualityFigures.Alignment;
import io.alignstream.monitoring.quality.QualityFigures.DictionaryHealth;
import io.alignstream.monitoring.quality.QualityFigures.Directions;
import io.alignstream.monitoring.quality.QualityFigures.Drift;
import io.alignstream.monitoring.quality.QualityFigures.LengthRetrieval;
import io.alignstream.monitoring.quality.QualityFigures.ModalityDrift;
import io.alignstream.monitoring.quality.QualityFigures.PairCosines;
import io.alignstream.monitoring.quality.QualityFigures.Ranking;
import io.alignstream.monitoring.quality.QualityFigures.Retrieval;
import io.alignstream.monitoring.quality.QualityFigures.Volume;
import io.alignstream.monitoring.quality.QualityFigures.WordShare;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.text.CaptionLength;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes a window's {@link QualityFigures}: pure computation on one thread, no I/O, the
 * same figures for the same window and settings (every random draw is seeded). Thread-safe
 * (stateless apart from its settings and scorer, which are).
 *
 * <p>Cost for a window of P pairs over I distinct images, d-dimensional embeddings and an m-latent
 * dictionary with k active latents per code (docs/monitoring-figures.md has the measured times):
 * P TEVI captions at O(u d) each (u: the latents active in any of the window's images, at most
 * min(m, I k)), I x P TEVI scores at O(k^2) each, I x P raw cosines at O(d),
 * ranking O(I x P), drift O((min(I, s) + s)^2 d) per modality with s the drift subsample size.
 */
public final class WindowEvaluator {

    private static final long RANDOM_PAIRS = 0x9A1AL;

    private final TeviScoring tevi;
    private final QualitySettings settings;

    public WindowEvaluator(TeviRetrievalScorer scorer, QualitySettings settings) {
        this(TeviScoring.of(scorer), settings);
    }

    public WindowEvaluator(TeviScoring tevi, QualitySettings settings) {
        this.tevi = Objects.requireNonNull(tevi, "tevi");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public QualitySettings settings() {
        return settings;
    }

    /** A reference for later windows' drift, from this window's pairs. */
    public ReferenceWindow reference(QualityWindow window) {
        return ReferenceWindow.of(window.pairs(), settings);
    }

    /** The figures of a window, without drift. */
    public QualityFigures evaluate(QualityWindow window) {
        return evaluate(window, Optional.empty());
    }

    /** The figures of a window, with drift against {@code reference}. */
    public QualityFigures evaluate(QualityWindow window, ReferenceWindow reference) {
        return evaluate(window, Optional.of(reference));
    }

    /**
     * The figures of a window; drift when a reference is given.
     *
     * @throws IllegalArgumentException for inconsistent widths (embeddings, masks, codes, the
     *                                  reference), non-finite values, masks outside [0, 1], bad codes
     *                                  or AlignVLM weights, naming the offending pair or image
     */
    public QualityFigures evaluate(QualityWindow window, Optional<ReferenceWindow> reference) {
        WindowData data = WindowData.of(window.pairs());
        reference.ifPresent(r -> data.requireDimension(r.dimension(), "the reference window"));
        Optional<AlignVlmFigures> alignVlm = alignVlm(window.alignVlm());
        Volume volume = new Volume(data.pairs.size(), data.images.size(),
                alignVlm.map(AlignVlmFigures::images).orElse(0), window.deadLetters(),
                count(data, CaptionLength.SHORT), count(data, CaptionLength.LONG));
        if (data.pairs.isEmpty()) {
            return new QualityFigures(volume, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), alignVlm);
        }
        double[][] raw = rawScores(data);
        double[][] teviScores = teviScores(data);
        Optional<Retrieval> retrieval = Optional.empty();
        Map<CaptionLength, LengthRetrieval> byLength = new EnumMap<>(CaptionLength.class);
        if (data.images.size() >= 2) {
            boolean[] all = new boolean[data.pairs.size()];
            Arrays.fill(all, true);
            retrieval = Optional.of(retrieval(raw, teviScores, data, all));
            for (CaptionLength length : CaptionLength.values()) {
                boolean[] included = new boolean[data.pairs.size()];
                Set<Integer> images = new HashSet<>();
                int captions = 0;
                for (int j = 0; j < included.length; j++) {
                    included[j] = data.pairs.get(j).captionLength() == length;
                    if (included[j]) {
                        captions++;
                        images.add(data.imageOfPair[j]);
                    }
                }
                // a length whose captions all describe one image ranks nothing: no figure, never a fake one
                if (images.size() >= 2) {
                    byLength.put(length, new LengthRetrieval(captions, images.size(), retrieval(raw, teviScores, data, included)));
                }
            }
        }
        return new QualityFigures(volume, retrieval, Optional.of(alignment(data, raw, teviScores)),
                reference.map(r -> drift(data, r)), Optional.of(dictionary(data)), alignVlm, byLength);
    }

    private static int count(WindowData data, CaptionLength length) {
        return (int) data.pairs.stream().filter(p -> p.captionLength() == length).count();
    }

    // ---- scores: images x captions ----

    private static double[][] rawScores(WindowData data) {
        double[][] s = new double[data.images.size()][data.captions.size()];
        for (int i = 0; i < s.length; i++) {
            double[] image = data.images.get(i);
            for (int j = 0; j < data.captions.size(); j++) {
                s[i][j] = Vectors.dot(image, data.captions.get(j));
            }
        }
        return s;
    }

    private double[][] teviScores(WindowData data) {
        double[][] s = new double[data.images.size()][data.pairs.size()];
        for (int j = 0; j < data.pairs.size(); j++) {
            PairSample pair = data.pairs.get(j);
            // TEVI aligns the image to q, the caption through the bundle's caption adapter (t without one)
            double[] column = tevi.scores(pair.captionQuery(), pair.captionMask(), data.codes);
            for (int i = 0; i < s.length; i++) {
                s[i][j] = column[i];
            }
        }
        return s;
    }

    // ---- retrieval ----

    /** Raw, TEVI and their difference over the captions {@code included} (all of them, or one length's). */
    private Retrieval retrieval(double[][] raw, double[][] teviScores, WindowData data, boolean[] included) {
        Directions rawDirections = directions(raw, data.imageOfPair, included);
        Directions teviDirections = directions(teviScores, data.imageOfPair, included);
        return new Retrieval(rawDirections, teviDirections, minus(teviDirections, rawDirections));
    }

    private Directions directions(double[][] scores, int[] imageOf, boolean[] included) {
        return new Directions(ranking(textToImageRanks(scores, imageOf, included)),
                ranking(imageToTextRanks(scores, imageOf, included)));
    }

    /** Per caption: rank of its image among all images. Ties count against the true item. */
    static int[] textToImageRanks(double[][] scores, int[] imageOf) {
        boolean[] all = new boolean[imageOf.length];
        Arrays.fill(all, true);
        return textToImageRanks(scores, imageOf, all);
    }

    /** Per included caption, in order: rank of its image among all images (the gallery is every image either way). */
    static int[] textToImageRanks(double[][] scores, int[] imageOf, boolean[] included) {
        int[] ranks = new int[countTrue(included)];
        int q = 0;
        for (int j = 0; j < imageOf.length; j++) {
            if (!included[j]) {
                continue;
            }
            int truth = imageOf[j];
            double trueScore = scores[truth][j];
            int rank = 1;
            for (int i = 0; i < scores.length; i++) {
                if (i != truth && scores[i][j] >= trueScore) {
                    rank++;
                }
            }
            ranks[q++] = rank;
        }
        return ranks;
    }

    /** Per image: rank of its best-scoring caption among all captions (the first true one in the ranking). */
    static int[] imageToTextRanks(double[][] scores, int[] imageOf) {
        boolean[] all = new boolean[imageOf.length];
        Arrays.fill(all, true);
        return imageToTextRanks(scores, imageOf, all);
    }

    /**
     * Per image with at least one included caption, in image order: the rank of its best-scoring
     * included caption among the included captions (the gallery is the included captions only).
     */
    static int[] imageToTextRanks(double[][] scores, int[] imageOf, boolean[] included) {
        int[] ranks = new int[scores.length];
        int q = 0;
        for (int i = 0; i < scores.length; i++) {
            double best = Double.NEGATIVE_INFINITY;
            boolean hasCaption = false;
            for (int j = 0; j < imageOf.length; j++) {
                if (included[j] && imageOf[j] == i) {
                    best = Math.max(best, scores[i][j]);
                    hasCaption = true;
                }
            }
            if (!hasCaption) {
                continue;
            }
            int rank = 1;
            for (int j = 0; j < imageOf.length; j++) {
                if (included[j] && imageOf[j] != i && scores[i][j] >= best) {
                    rank++;
                }
            }
            ranks[q++] = rank;
        }
        return Arrays.copyOf(ranks, q);
    }

    private static int countTrue(boolean[] values) {
        int n = 0;
        for (boolean v : values) {
            if (v) {
                n++;
            }
        }
        return n;
    }

    private Ranking ranking(int[] ranks) {
        TreeMap<Integer, Double> recall = new TreeMap<>();
        for (int k : settings.ks()) {
            int hits = 0;
            for (int rank : ranks) {
                if (rank <= k) {
                    hits++;
                }
            }
            recall.put(k, (double) hits / ranks.length);
        }
        double reciprocal = 0;
        for (int rank : ranks) {
            reciprocal += 1.0 / rank;
        }
        return new Ranking(recall, reciprocal / ranks.length, ranks.length);
    }

    private static Directions minus(Directions a, Directions b) {
        return new Directions(minus(a.textToImage(), b.textToImage()), minus(a.imageToText(), b.imageToText()));
    }

    private static Ranking minus(Ranking a, Ranking b) {
        TreeMap<Integer, Double> recall = new TreeMap<>();
        a.recallAtK().forEach((k, v) -> recall.put(k, v - b.recallAt(k)));
        return new Ranking(recall, a.meanReciprocalRank() - b.meanReciprocalRank(), a.queries());
    }

    // ---- alignment ----

    private Alignment alignment(WindowData data, double[][] raw, double[][] teviScores) {
        int pairs = data.pairs.size();
        double rawTrue = 0;
        double teviTrue = 0;
        for (int j = 0; j < pairs; j++) {
            rawTrue += raw[data.imageOfPair[j]][j];
            teviTrue += teviScores[data.imageOfPair[j]][j];
        }
        rawTrue /= pairs;
        teviTrue /= pairs;
        PairCosines rawCosines;
        PairCosines teviCosines;
        if (data.images.size() >= 2) {
            // Non-matching pairs, uniform: a caption, then any image but its own; with replacement.
            Random random = new Random(settings.seed() ^ RANDOM_PAIRS);
            int n = settings.randomPairs();
            double rawRandom = 0;
            double teviRandom = 0;
            for (int s = 0; s < n; s++) {
                int j = random.nextInt(pairs);
                int i = random.nextInt(data.images.size() - 1);
                if (i >= data.imageOfPair[j]) {
                    i++;
                }
                rawRandom += raw[i][j];
                teviRandom += teviScores[i][j];
            }
            rawCosines = new PairCosines(rawTrue, OptionalDouble.of(rawRandom / n), n);
            teviCosines = new PairCosines(teviTrue, OptionalDouble.of(teviRandom / n), n);
        } else {
            rawCosines = new PairCosines(rawTrue, OptionalDouble.empty(), 0);
            teviCosines = new PairCosines(teviTrue, OptionalDouble.empty(), 0);
        }
        List<double[]> pairImages = new ArrayList<>(pairs);
        for (int j = 0; j < pairs; j++) {
            pairImages.add(data.images.get(data.imageOfPair[j]));
        }
        double rawGap = Vectors.distance(Vectors.centroid(pairImages), Vectors.centroid(data.captions));
        OptionalDouble teviGap = OptionalDouble.empty();
        if (data.pairs.stream().allMatch(p -> p.alignedEmbedding() != null)) {
            List<double[]> aligned = data.pairs.stream().map(p -> Vectors.normalised(p.alignedEmbedding())).toList();
            // x_tevi is aligned to q, so its gap is to the queries' centroid (t's without an adapter)
            teviGap = OptionalDouble.of(Vectors.distance(Vectors.centroid(aligned), Vectors.centroid(data.queries)));
        }
        return new Alignment(rawCosines, teviCosines, rawGap, teviGap);
    }

    // ---- drift ----

    private Drift drift(WindowData data, ReferenceWindow reference) {
        return new Drift(
                modalityDrift(reference.imageCentroid(), reference.imageSample(), data.images, ReferenceWindow.WINDOW_IMAGES),
                modalityDrift(reference.captionCentroid(), reference.captionSample(), data.captions,
                        ReferenceWindow.WINDOW_CAPTIONS));
    }

    private ModalityDrift modalityDrift(double[] referenceCentroid, List<double[]> referenceSample, List<double[]> window,
                                        long salt) {
        double centroidDistance = Vectors.distance(referenceCentroid, Vectors.centroid(window));
        List<double[]> windowSample = Vectors.subsample(window, settings.driftSamplesPerSide(), settings.seed() ^ salt);
        if (referenceSample.size() < 2 || windowSample.size() < 2) {
            return new ModalityDrift(centroidDistance, OptionalDouble.empty(), OptionalDouble.empty(),
                    referenceSample.size(), windowSample.size());
        }
        Mmd.Result mmd = Mmd.unbiased(referenceSample, windowSample);
        return new ModalityDrift(centroidDistance, OptionalDouble.of(mmd.mmd2()), OptionalDouble.of(mmd.bandwidth()),
                referenceSample.size(), windowSample.size());
    }

    // ---- dictionary health ----

    private DictionaryHealth dictionary(WindowData data) {
        int m = data.latents;
        int[] activeIn = new int[m];
        long active = 0;
        for (SparseCode code : data.codes) {
            for (int a = 0; a < code.size(); a++) {
                if (code.values()[a] != 0f) {
                    activeIn[code.indices()[a]]++;
                    active++;
                }
            }
        }
        int images = data.codes.size();
        int dead = 0;
        int frequent = 0;
        for (int count : activeIn) {
            if (count == 0) {
                dead++;
            }
            if (count > settings.frequentLatentShare() * images) {
                frequent++;
            }
        }
        double density = 0;
        for (PairSample pair : data.pairs) {
            int kept = 0;
            for (float value : pair.captionMask()) {
                if (value > settings.maskThreshold()) {
                    kept++;
                }
            }
            density += (double) kept / m;
        }
        return new DictionaryHealth(m, images, (double) dead / m, (double) frequent / m, settings.frequentLatentShare(),
                (double) active / images, density / data.pairs.size());
    }

    // ---- AlignVLM ----

    private Optional<AlignVlmFigures> alignVlm(List<AlignVlmSample> samples) {
        Set<String> seen = new HashSet<>();
        List<AlignVlmSample> distinct = new ArrayList<>();
        for (AlignVlmSample sample : samples) {
            if (seen.add(sample.imageId())) {
                distinct.add(sample);
            }
        }
        if (distinct.isEmpty()) {
            return Optional.empty();
        }
        double entropySum = 0;
        Map<String, Integer> imagesWith = new HashMap<>();
        for (AlignVlmSample sample : distinct) {
            entropySum += entropy(sample);
            for (String word : topWordsOf(sample)) {
                imagesWith.merge(word, 1, Integer::sum);
            }
        }
        int images = distinct.size();
        List<WordShare> top = imagesWith.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(settings.reportedWords())
                .map(e -> new WordShare(e.getKey(), (double) e.getValue() / images))
                .toList();
        return Optional.of(new AlignVlmFigures(images, entropySum / images, top));
    }

    /** -sum p ln p of the weights renormalised to sum 1, in nats; 0 for a single word. */
    static double entropy(AlignVlmSample sample) {
        float[] weights = sample.topWeights();
        if (weights.length == 0) {
            throw new IllegalArgumentException("AlignVLM sample " + sample.imageId() + " has no top words");
        }
        double total = 0;
        for (float w : weights) {
            if (!(Float.isFinite(w) && w >= 0f)) {
                throw new IllegalArgumentException("AlignVLM sample " + sample.imageId() + ": weight " + w
                        + " is not a finite non-negative number");
            }
            total += w;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("AlignVLM sample " + sample.imageId() + ": all weights are zero");
        }
        double h = 0;
        for (float w : weights) {
            if (w > 0f) {
                double p = w / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    /** The image's first {@code alignVlmTopWords} words by weight (ties in the given order), distinct. */
    private Set<String> topWordsOf(AlignVlmSample sample) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sample.topWords().size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> sample.topWeights()[i]).reversed());
        Set<String> words = new LinkedHashSet<>();
        for (int i = 0; i < Math.min(settings.alignVlmTopWords(), order.size()); i++) {
            words.add(sample.topWords().get(order.get(i)));
        }
        return words;
    }
}

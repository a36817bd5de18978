package io.alignstream.monitoring;

import static io.alignstream.monitoring.QualityMetricNames.EMBEDDING_RAW;
import static io.alignstream.monitoring.QualityMetricNames.EMBEDDING_TEVI;
import static io.alignstream.monitoring.QualityMetricNames.IMAGE_TO_TEXT;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_CAPTION_LENGTH;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_DIRECTION;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_EMBEDDING;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_K;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_MODALITY;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_WINDOW;
import static io.alignstream.monitoring.QualityMetricNames.LABEL_WORD;
import static io.alignstream.monitoring.QualityMetricNames.MODALITY_CAPTION;
import static io.alignstream.monitoring.QualityMetricNames.MODALITY_IMAGE;
import static io.alignstream.monitoring.QualityMetricNames.TEXT_TO_IMAGE;

import io.alignstream.monitoring.quality.QualityFigures;
import io.alignstream.text.CaptionLength;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The monitor's figures as Prometheus gauges, named in {@link QualityMetricNames} (the ops kit's
 * dashboard and alert rules are tested against the same constants). Each closed window
 * overwrites its window kind's series; a figure a window could not compute keeps its previous
 * value (the window timestamp says how fresh the figures are), except the figures by caption
 * length: a window without figures for a length removes that length's series of its window kind,
 * because a feed without long captions is common and a stale long figure would look live.
 */
public final class QualityGauges implements QualityExport {
    private final Gauge recall;
    private final Gauge recallReference;
    private final Gauge mrr;
    private final Gauge teviGain;
    private final Gauge recallByLength;
    private final Gauge mrrByLength;
    private final Gauge teviGainByLength;
    private final Gauge windowCaptions;
    private final Gauge truePairCosine;
    private final Gauge randomPairCosine;
    private final Gauge modalityGap;
    private final Gauge driftCentroid;
    private final Gauge driftMmd2;
    private final Gauge deadLatents;
    private final Gauge frequentLatents;
    private final Gauge maskDensity;
    private final Gauge entropy;
    private final Gauge topWordShare;
    private final Gauge windowPairs;
    private final Gauge windowDeadLetters;
    private final Gauge lastWindow;
    private final Counter windows;

    public QualityGauges(PrometheusRegistry registry) {
        recall = gauge(registry, QualityMetricNames.RECALL, "Recall@K of the last window's in-window retrieval.",
                LABEL_DIRECTION, LABEL_EMBEDDING, LABEL_K, LABEL_WINDOW);
        recallReference = gauge(registry, QualityMetricNames.RECALL_REFERENCE,
                "Recall@K of the drift reference window (the count window it was taken from).",
                LABEL_DIRECTION, LABEL_EMBEDDING, LABEL_K);
        mrr = gauge(registry, QualityMetricNames.MRR, "Mean reciprocal rank of the first true match in the last window.",
                LABEL_DIRECTION, LABEL_EMBEDDING, LABEL_WINDOW);
        teviGain = gauge(registry, QualityMetricNames.TEVI_RECALL_GAIN, "TEVI Recall@K minus raw Recall@K in the last window.",
                LABEL_DIRECTION, LABEL_K, LABEL_WINDOW);
        recallByLength = gauge(registry, QualityMetricNames.RECALL_BY_CAPTION_LENGTH,
                "Recall@K of the last window's in-window retrieval over its short or its long captions only.",
                LABEL_DIRECTION, LABEL_EMBEDDING, LABEL_K, LABEL_CAPTION_LENGTH, LABEL_WINDOW);
        mrrByLength = gauge(registry, QualityMetricNames.MRR_BY_CAPTION_LENGTH,
                "Mean reciprocal rank in the last window over its short or its long captions only.",
                LABEL_DIRECTION, LABEL_EMBEDDING, LABEL_CAPTION_LENGTH, LABEL_WINDOW);
        teviGainByLength = gauge(registry, QualityMetricNames.TEVI_RECALL_GAIN_BY_CAPTION_LENGTH,
                "TEVI Recall@K minus raw Recall@K in the last window over its short or its long captions only.",
                LABEL_DIRECTION, LABEL_K, LABEL_CAPTION_LENGTH, LABEL_WINDOW);
        windowCaptions = gauge(registry, QualityMetricNames.WINDOW_CAPTIONS,
                "(image, caption) pairs of each caption length in the last window.", LABEL_CAPTION_LENGTH, LABEL_WINDOW);
        truePairCosine = gauge(registry, QualityMetricNames.TRUE_PAIR_COSINE,
                "Mean cosine of an image (raw, or TEVI-aligned) and its own caption.", LABEL_EMBEDDING, LABEL_WINDOW);
        randomPairCosine = gauge(registry, QualityMetricNames.RANDOM_PAIR_COSINE,
                "Mean cosine of an image and a caption of another image (fixed-seed sample).", LABEL_EMBEDDING, LABEL_WINDOW);
        modalityGap = gauge(registry, QualityMetricNames.MODALITY_GAP,
                "Distance between the image and caption centroids of L2-normalised embeddings.", LABEL_EMBEDDING, LABEL_WINDOW);
        driftCentroid = gauge(registry, QualityMetricNames.DRIFT_CENTROID_DISTANCE,
                "Distance between the window's and the reference's centroid, per modality.", LABEL_MODALITY, LABEL_WINDOW);
        driftMmd2 = gauge(registry, QualityMetricNames.DRIFT_MMD2,
                "Unbiased MMD^2 (Gaussian kernel, median heuristic) of the window against the reference, per modality.",
                LABEL_MODALITY, LABEL_WINDOW);
        deadLatents = gauge(registry, QualityMetricNames.DEAD_LATENT_RATIO,
                "Share of TEVI dictionary latents active in no image of the window.", LABEL_WINDOW);
        frequentLatents = gauge(registry, QualityMetricNames.FREQUENT_LATENT_RATIO,
                "Share of TEVI dictionary latents active in more than the configured share of images.", LABEL_WINDOW);
        maskDensity = gauge(registry, QualityMetricNames.MASK_DENSITY_MEAN,
                "Mean share of latents a caption's TEVI mask keeps (mask > 0.5).", LABEL_WINDOW);
        entropy = gauge(registry, QualityMetricNames.ALIGNVLM_ENTROPY_MEAN,
                "Mean entropy (nats) of an image's AlignVLM top-word weights.", LABEL_WINDOW);
        topWordShare = gauge(registry, QualityMetricNames.ALIGNVLM_TOP_WORD_SHARE,
                "Share of the window's images with this word among their AlignVLM top words.", LABEL_WORD, LABEL_WINDOW);
        windowPairs = gauge(registry, QualityMetricNames.WINDOW_PAIRS, "(image, caption) pairs in the last window.", LABEL_WINDOW);
        windowDeadLetters = gauge(registry, QualityMetricNames.WINDOW_DEAD_LETTERS, "Dead letters in the last window.",
                LABEL_WINDOW);
        lastWindow = gauge(registry, QualityMetricNames.LAST_WINDOW_TIMESTAMP_SECONDS,
                "When the last window closed (Unix seconds).", LABEL_WINDOW);
        windows = Counter.builder().name(QualityMetricNames.WINDOWS_TOTAL).help("Windows closed and evaluated.")
                .labelNames(LABEL_WINDOW).register(registry);
    }

    private static Gauge gauge(PrometheusRegistry registry, String name, String help, String... labels) {
        return Gauge.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    @Override
    public synchronized void windowClosed(String window, QualityFigures figures, Optional<QualityFigures> reference,
                                          long windowEndMs) {
        figures.retrieval().ifPresent(r -> {
            ranking(window, EMBEDDING_RAW, r.raw());
            ranking(window, EMBEDDING_TEVI, r.tevi());
            r.teviMinusRaw().textToImage().recallAtK().forEach((k, v) ->
                    teviGain.labelValues(TEXT_TO_IMAGE, k.toString(), window).set(v));
            r.teviMinusRaw().imageToText().recallAtK().forEach((k, v) ->
                    teviGain.labelValues(IMAGE_TO_TEXT, k.toString(), window).set(v));
        });
        for (CaptionLength length : CaptionLength.values()) {
            String label = length.key();
            Optional<QualityFigures.LengthRetrieval> byLength = figures.retrieval(length);
            if (byLength.isPresent()) {
                QualityFigures.Retrieval r = byLength.get().retrieval();
                rankingByLength(window, label, EMBEDDING_RAW, r.raw());
                rankingByLength(window, label, EMBEDDING_TEVI, r.tevi());
                r.teviMinusRaw().textToImage().recallAtK().forEach((k, v) ->
                        teviGainByLength.labelValues(TEXT_TO_IMAGE, k.toString(), label, window).set(v));
                r.teviMinusRaw().imageToText().recallAtK().forEach((k, v) ->
                        teviGainByLength.labelValues(IMAGE_TO_TEXT, k.toString(), label, window).set(v));
            } else {
                // no sample, no value: this window kind's series of the length go away (caption_length
                // and window are the last two labels of each)
                for (Gauge gauge : List.of(recallByLength, mrrByLength, teviGainByLength)) {
                    gauge.removeIf(labels -> labels.get(labels.size() - 2).equals(label)
                            && labels.get(labels.size() - 1).equals(window));
                }
            }
            windowCaptions.labelValues(label, window).set(figures.volume().captions(length));
        }
        reference.flatMap(QualityFigures::retrieval).ifPresent(r -> {
            referenceRanking(EMBEDDING_RAW, r.raw());
            referenceRanking(EMBEDDING_TEVI, r.tevi());
        });
        figures.alignment().ifPresent(a -> {
            truePairCosine.labelValues(EMBEDDING_RAW, window).set(a.raw().truePairs());
            truePairCosine.labelValues(EMBEDDING_TEVI, window).set(a.tevi().truePairs());
            setIfPresent(randomPairCosine, a.raw().randomPairs(), EMBEDDING_RAW, window);
            setIfPresent(randomPairCosine, a.tevi().randomPairs(), EMBEDDING_TEVI, window);
            modalityGap.labelValues(EMBEDDING_RAW, window).set(a.rawModalityGap());
            setIfPresent(modalityGap, a.teviModalityGap(), EMBEDDING_TEVI, window);
        });
        figures.drift().ifPresent(d -> {
            driftCentroid.labelValues(MODALITY_IMAGE, window).set(d.images().centroidDistance());
            driftCentroid.labelValues(MODALITY_CAPTION, window).set(d.captions().centroidDistance());
            setIfPresent(driftMmd2, d.images().mmd2(), MODALITY_IMAGE, window);
            setIfPresent(driftMmd2, d.captions().mmd2(), MODALITY_CAPTION, window);
        });
        figures.dictionary().ifPresent(d -> {
            deadLatents.labelValues(window).set(d.deadFraction());
            frequentLatents.labelValues(window).set(d.frequentFraction());
            maskDensity.labelValues(window).set(d.meanMaskDensity());
        });
        figures.alignVlm().ifPresent(a -> {
            entropy.labelValues(window).set(a.meanEntropyNats());
            // Only this window's words: yesterday's top words must not linger as series.
            topWordShare.removeIf(labels -> labels.get(1).equals(window));
            a.topWords().forEach(share -> topWordShare.labelValues(share.word(), window).set(share.share()));
        });
        windowPairs.labelValues(window).set(figures.volume().pairs());
        windowDeadLetters.labelValues(window).set(figures.volume().deadLetters());
        lastWindow.labelValues(window).set(windowEndMs / 1000.0);
        windows.labelValues(window).inc();
    }

    private void ranking(String window, String embedding, QualityFigures.Directions directions) {
        directions.textToImage().recallAtK().forEach((k, v) -> recall.labelValues(TEXT_TO_IMAGE, embedding, k.toString(), window).set(v));
        directions.imageToText().recallAtK().forEach((k, v) -> recall.labelValues(IMAGE_TO_TEXT, embedding, k.toString(), window).set(v));
        mrr.labelValues(TEXT_TO_IMAGE, embedding, window).set(directions.textToImage().meanReciprocalRank());
        mrr.labelValues(IMAGE_TO_TEXT, embedding, window).set(directions.imageToText().meanReciprocalRank());
    }

    private void rankingByLength(String window, String length, String embedding, QualityFigures.Directions directions) {
        directions.textToImage().recallAtK().forEach((k, v) ->
                recallByLength.labelValues(TEXT_TO_IMAGE, embedding, k.toString(), length, window).set(v));
        directions.imageToText().recallAtK().forEach((k, v) ->
                recallByLength.labelValues(IMAGE_TO_TEXT, embedding, k.toString(), length, window).set(v));
        mrrByLength.labelValues(TEXT_TO_IMAGE, embedding, length, window).set(directions.textToImage().meanReciprocalRank());
        mrrByLength.labelValues(IMAGE_TO_TEXT, embedding, length, window).set(directions.imageToText().meanReciprocalRank());
    }

    private void referenceRanking(String embedding, QualityFigures.Directions directions) {
        directions.textToImage().recallAtK().forEach((k, v) -> recallReference.labelValues(TEXT_TO_IMAGE, embedding, k.toString()).set(v));
        directions.imageToText().recallAtK().forEach((k, v) -> recallReference.labelValues(IMAGE_TO_TEXT, embedding, k.toString()).set(v));
    }

    private static void setIfPresent(Gauge gauge, OptionalDouble value, String... labels) {
        value.ifPresent(v -> gauge.labelValues(labels).set(v));
    }
}

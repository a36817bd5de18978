package io.alignstream.liveview;

import static io.alignstream.monitoring.QualityMetricNames.EMBEDDING_RAW;
import static io.alignstream.monitoring.QualityMetricNames.EMBEDDING_TEVI;
import static io.alignstream.monitoring.QualityMetricNames.IMAGE_TO_TEXT;
import static io.alignstream.monitoring.QualityMetricNames.MODALITY_CAPTION;
import static io.alignstream.monitoring.QualityMetricNames.MODALITY_IMAGE;
import static io.alignstream.monitoring.QualityMetricNames.TEXT_TO_IMAGE;

import io.alignstream.monitoring.QualityExport;
import io.alignstream.monitoring.QualityMetricNames;
import io.alignstream.monitoring.quality.QualityFigures;
import io.alignstream.monitoring.quality.QualityFigures.WordShare;
import io.alignstream.monitoring.quality.Spread;
import io.alignstream.text.CaptionLength;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The last closed windows of each kind ({@code count}, {@code time}), kept for the live view: a
 * bounded ring per kind, oldest dropped first. Thread-safe: the window processor writes from a
 * stream thread, HTTP threads read copies.
 */
public final class QualityHistory implements QualityExport {
    /** Windows kept per kind by default. */
    public static final int DEFAULT_CAPACITY = 120;

    private final int capacity;
    private final Map<String, ArrayDeque<WindowPoint>> windows = new LinkedHashMap<>();
    private WindowPoint latestWithTopWords;

    public QualityHistory() {
        this(DEFAULT_CAPACITY);
    }

    public QualityHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        windows.put(QualityMetricNames.WINDOW_COUNT, new ArrayDeque<>());
        windows.put(QualityMetricNames.WINDOW_TIME, new ArrayDeque<>());
    }

    /**
     * One closed window, as the page draws it. Absent figures are absent keys or null, never NaN.
     *
     * @param window      {@code count} or {@code time}
     * @param endMs       when it closed (Unix milliseconds)
     * @param pairs       (image, caption) pairs in it
     * @param images      distinct images in it
     * @param deadLetters dead letters seen during it
     * @param recall      direction ({@code text_to_image}, {@code image_to_text}) to embedding
     *                    ({@code raw}, {@code tevi}) to K (as a string) to Recall@K; empty with
     *                    fewer than 2 images
     * @param mrr         direction to embedding to mean reciprocal rank; empty likewise
     * @param driftMmd2   modality ({@code image}, {@code caption}) to MMD² against the reference;
     *                    empty without a reference
     * @param topWords    the window's most frequent AlignVLM top words with their image share
     * @param captions    caption length ({@code short}, {@code long}) to the pairs of that length
     *                    (0 included; pairs of unknown length are in neither)
     * @param byCaptionLength caption length to the window's retrieval over that length's captions;
     *                    a length without figures (no captions of it, or all of one image) has no key
     */
    public record WindowPoint(String window, long endMs, int pairs, int images, long deadLetters,
                              Map<String, Map<String, Map<String, Double>>> recall,
                              Map<String, Map<String, Double>> mrr, Map<String, Double> driftMmd2,
                              List<WordShare> topWords, Map<String, Integer> captions,
                              Map<String, LengthPoint> byCaptionLength) {
    }

    /**
     * A window's retrieval over the captions of one length, as the page draws it.
     *
     * @param captions captions of this length (text -> image queries)
     * @param images   images with a caption of this length (image -> text queries)
     * @param recall   direction to embedding to K to Recall@K, as {@link WindowPoint#recall}
     * @param mrr      direction to embedding to MRR
     * @param gain     direction to K to TEVI Recall@K minus raw: the monitor's {@code tevi_minus_raw}
     */
    public record LengthPoint(int captions, int images, Map<String, Map<String, Map<String, Double>>> recall,
                              Map<String, Map<String, Double>> mrr, Map<String, Map<String, Double>> gain) {
    }

    @Override
    public void windowClosed(String window, QualityFigures figures, Optional<QualityFigures> reference, long windowEndMs) {
        WindowPoint point = point(window, figures, windowEndMs);
        synchronized (this) {
            ArrayDeque<WindowPoint> ring = windows.computeIfAbsent(window, w -> new ArrayDeque<>());
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(point);
            if (!point.topWords().isEmpty()) {
                latestWithTopWords = point;
            }
        }
    }

    /** Each window kind's kept windows, oldest first ({@code count} and {@code time} always present). */
    public synchronized Map<String, List<WindowPoint>> windows() {
        Map<String, List<WindowPoint>> copy = new LinkedHashMap<>();
        windows.forEach((kind, ring) -> copy.put(kind, List.copyOf(ring)));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * TEVI's gain per caption length over the kept windows of each kind: window kind to caption
     * length to direction to K to the {@link Spread} of the gain (TEVI Recall@K minus raw) over
     * the windows that had figures for that length, with {@code sd} null for a single window. A
     * length no kept window had figures for has no key.
     */
    public synchronized Map<String, Map<String, Map<String, Map<String, Map<String, Object>>>>> gainSpreads() {
        Map<String, Map<String, Map<String, Map<String, Map<String, Object>>>>> out = new LinkedHashMap<>();
        windows.forEach((kind, ring) -> {
            Map<String, Map<String, Map<String, Map<String, Object>>>> byLength = new LinkedHashMap<>();
            for (CaptionLength length : CaptionLength.values()) {
                Map<String, Map<String, List<Double>>> gains = new LinkedHashMap<>();
                for (WindowPoint point : ring) {
                    LengthPoint figures = point.byCaptionLength().get(length.key());
                    if (figures != null) {
                        figures.gain().forEach((direction, byK) -> byK.forEach((k, v) -> gains
                                .computeIfAbsent(direction, d -> new LinkedHashMap<>())
                                .computeIfAbsent(k, x -> new ArrayList<>()).add(v)));
                    }
                }
                if (gains.isEmpty()) {
                    continue;
                }
                Map<String, Map<String, Map<String, Object>>> byDirection = new LinkedHashMap<>();
                gains.forEach((direction, byK) -> {
                    Map<String, Map<String, Object>> spreads = new LinkedHashMap<>();
                    byK.forEach((k, values) -> Spread.of(values).ifPresent(spread -> spreads.put(k, json(spread))));
                    byDirection.put(direction, Collections.unmodifiableMap(spreads));
                });
                byLength.put(length.key(), Collections.unmodifiableMap(byDirection));
            }
            out.put(kind, Collections.unmodifiableMap(byLength));
        });
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Object> json(Spread spread) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("windows", spread.windows());
        out.put("mean", spread.mean());
        out.put("sd", spread.sd().isPresent() ? spread.sd().getAsDouble() : null);
        out.put("min", spread.min());
        out.put("max", spread.max());
        return Collections.unmodifiableMap(out);
    }

    /** The most recent window of any kind that had AlignVLM top words. */
    public synchronized Optional<WindowPoint> latestTopWords() {
        return Optional.ofNullable(latestWithTopWords);
    }

    static WindowPoint point(String window, QualityFigures figures, long endMs) {
        Map<String, Map<String, Map<String, Double>>> recall = new LinkedHashMap<>();
        Map<String, Map<String, Double>> mrr = new LinkedHashMap<>();
        figures.retrieval().ifPresent(r -> {
            direction(recall, mrr, TEXT_TO_IMAGE, EMBEDDING_RAW, r.raw().textToImage());
            direction(recall, mrr, TEXT_TO_IMAGE, EMBEDDING_TEVI, r.tevi().textToImage());
            direction(recall, mrr, IMAGE_TO_TEXT, EMBEDDING_RAW, r.raw().imageToText());
            direction(recall, mrr, IMAGE_TO_TEXT, EMBEDDING_TEVI, r.tevi().imageToText());
        });
        Map<String, Double> drift = new LinkedHashMap<>();
        figures.drift().ifPresent(d -> {
            d.images().mmd2().ifPresent(v -> drift.put(MODALITY_IMAGE, v));
            d.captions().mmd2().ifPresent(v -> drift.put(MODALITY_CAPTION, v));
        });
        List<WordShare> words = figures.alignVlm().map(QualityFigures.AlignVlmFigures::topWords).orElse(List.of());
        QualityFigures.Volume volume = figures.volume();
        Map<String, Integer> captions = new LinkedHashMap<>();
        Map<String, LengthPoint> byLength = new LinkedHashMap<>();
        for (CaptionLength length : CaptionLength.values()) {
            captions.put(length.key(), volume.captions(length));
            figures.retrieval(length).ifPresent(l -> byLength.put(length.key(), lengthPoint(l)));
        }
        return new WindowPoint(Objects.requireNonNull(window, "window"), endMs, volume.pairs(), volume.images(),
                volume.deadLetters(), freeze3(recall), freeze2(mrr), Collections.unmodifiableMap(drift), List.copyOf(words),
                Collections.unmodifiableMap(captions), Collections.unmodifiableMap(byLength));
    }

    private static LengthPoint lengthPoint(QualityFigures.LengthRetrieval figures) {
        Map<String, Map<String, Map<String, Double>>> recall = new LinkedHashMap<>();
        Map<String, Map<String, Double>> mrr = new LinkedHashMap<>();
        QualityFigures.Retrieval r = figures.retrieval();
        direction(recall, mrr, TEXT_TO_IMAGE, EMBEDDING_RAW, r.raw().textToImage());
        direction(recall, mrr, TEXT_TO_IMAGE, EMBEDDING_TEVI, r.tevi().textToImage());
        direction(recall, mrr, IMAGE_TO_TEXT, EMBEDDING_RAW, r.raw().imageToText());
        direction(recall, mrr, IMAGE_TO_TEXT, EMBEDDING_TEVI, r.tevi().imageToText());
        Map<String, Map<String, Double>> gain = new LinkedHashMap<>();
        gain.put(TEXT_TO_IMAGE, byK(r.teviMinusRaw().textToImage()));
        gain.put(IMAGE_TO_TEXT, byK(r.teviMinusRaw().imageToText()));
        return new LengthPoint(figures.captions(), figures.images(), freeze3(recall), freeze2(mrr), freeze2(gain));
    }

    private static Map<String, Double> byK(QualityFigures.Ranking ranking) {
        Map<String, Double> byK = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        ranking.recallAtK().forEach((k, v) -> byK.put(k.toString(), v));
        return byK;
    }

    private static void direction(Map<String, Map<String, Map<String, Double>>> recall, Map<String, Map<String, Double>> mrr,
                                  String direction, String embedding, QualityFigures.Ranking ranking) {
        recall.computeIfAbsent(direction, d -> new LinkedHashMap<>()).put(embedding, byK(ranking));
        mrr.computeIfAbsent(direction, d -> new LinkedHashMap<>()).put(embedding, ranking.meanReciprocalRank());
    }

    private static Map<String, Map<String, Map<String, Double>>> freeze3(Map<String, Map<String, Map<String, Double>>> m) {
        Map<String, Map<String, Map<String, Double>>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            Map<String, Map<String, Double>> inner = new LinkedHashMap<>();
            v.forEach((k2, v2) -> inner.put(k2, Collections.unmodifiableMap(v2)));
            out.put(k, Collections.unmodifiableMap(inner));
        });
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Map<String, Double>> freeze2(Map<String, Map<String, Double>> m) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, Collections.unmodifiableMap(v)));
        return Collections.unmodifiableMap(out);
    }

    /** For tests: how many windows of a kind are kept. */
    synchronized int size(String window) {
        ArrayDeque<WindowPoint> ring = windows.get(window);
        return ring == null ? 0 : ring.size();
    }
}

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
import java.util.ArrayDeque;
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
     */
    public record WindowPoint(String window, long endMs, int pairs, int images, long deadLetters,
                              Map<String, Map<String, Map<String, Double>>> recall,
                              Map<String, Map<String, Double>> mrr, Map<String, Double> driftMmd2,
                              List<WordShare> topWords) {
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
        return new WindowPoint(Objects.requireNonNull(window, "window"), endMs, volume.pairs(), volume.images(),
                volume.deadLetters(), freeze3(recall), freeze2(mrr), Collections.unmodifiableMap(drift), List.copyOf(words));
    }

    private static void direction(Map<String, Map<String, Map<String, Double>>> recall, Map<String, Map<String, Double>> mrr,
                                  String direction, String embedding, QualityFigures.Ranking ranking) {
        Map<String, Double> byK = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        ranking.recallAtK().forEach((k, v) -> byK.put(k.toString(), v));
        recall.computeIfAbsent(direction, d -> new LinkedHashMap<>()).put(embedding, byK);
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

package io.alignstream.monitoring;

import io.alignstream.text.CaptionLength;
import java.util.List;

/**
 * The one list of the Prometheus names the retrieval-quality monitor exports: metric names, label
 * names and label values. The monitor registers exactly these; the operations kit ({@code ops/}:
 * alert rules, recording rules, the Grafana dashboard) queries exactly these, and
 * {@code io.alignstream.ops.DashboardMetricsTest} checks every query against this class.
 *
 * <p>Every metric is a gauge holding the figure of the <em>last closed window</em> of its kind,
 * except {@link #WINDOWS_TOTAL}, a counter. Recall, MRR and ratios are fractions in [0, 1] (not
 * percentages); cosines are in [-1, 1]; timestamps are Unix seconds.
 *
 * <p>Constants only: change a name here and in {@code ops/} together (the test fails otherwise).
 */
public final class QualityMetricNames {
    private QualityMetricNames() {
    }

    // ---- label names and values -------------------------------------------------------------

    /** Label: the retrieval direction, {@link #TEXT_TO_IMAGE} or {@link #IMAGE_TO_TEXT}. */
    public static final String LABEL_DIRECTION = "direction";
    /** {@link #LABEL_DIRECTION} value: captions as queries, the window's images as the gallery. */
    public static final String TEXT_TO_IMAGE = "text_to_image";
    /** {@link #LABEL_DIRECTION} value: images as queries, the window's captions as the gallery. */
    public static final String IMAGE_TO_TEXT = "image_to_text";

    /** Label: which image embedding was scored, {@link #EMBEDDING_RAW} or {@link #EMBEDDING_TEVI}. */
    public static final String LABEL_EMBEDDING = "embedding";
    /** {@link #LABEL_EMBEDDING} value: the vision tower's raw (dual-encoder) embedding. */
    public static final String EMBEDDING_RAW = "raw";
    /** {@link #LABEL_EMBEDDING} value: the TEVI-aligned (caption-conditioned) embedding. */
    public static final String EMBEDDING_TEVI = "tevi";

    /** Label: the K of Recall@K, as a decimal string ({@code "1"}, {@code "5"}, {@code "10"} by default). */
    public static final String LABEL_K = "k";
    /** The default K values, as {@link #LABEL_K} values. */
    public static final List<String> DEFAULT_K_VALUES = List.of("1", "5", "10");

    /** Label: the kind of window, {@link #WINDOW_COUNT} or {@link #WINDOW_TIME}. */
    public static final String LABEL_WINDOW = "window";
    /** {@link #LABEL_WINDOW} value: a window of every N pairs. */
    public static final String WINDOW_COUNT = "count";
    /** {@link #LABEL_WINDOW} value: a tumbling time window. */
    public static final String WINDOW_TIME = "time";

    /** Label: the modality a drift figure is about, {@link #MODALITY_IMAGE} or {@link #MODALITY_CAPTION}. */
    public static final String LABEL_MODALITY = "modality";
    /** {@link #LABEL_MODALITY} value: image embeddings. */
    public static final String MODALITY_IMAGE = "image";
    /** {@link #LABEL_MODALITY} value: caption embeddings. */
    public static final String MODALITY_CAPTION = "caption";

    /**
     * Label: which captions a figure is over, {@link #CAPTION_LENGTH_SHORT} or {@link #CAPTION_LENGTH_LONG}
     * ({@link CaptionLength}: a caption embedded as more than one 32-token sub-caption is long).
     */
    public static final String LABEL_CAPTION_LENGTH = "caption_length";
    /** {@link #LABEL_CAPTION_LENGTH} value: captions of one sub-caption (short web captions). */
    public static final String CAPTION_LENGTH_SHORT = CaptionLength.SHORT.key();
    /** {@link #LABEL_CAPTION_LENGTH} value: captions of more than one sub-caption (long descriptions). */
    public static final String CAPTION_LENGTH_LONG = CaptionLength.LONG.key();

    /** Label: an AlignVLM vocabulary word (of {@link #ALIGNVLM_TOP_WORD_SHARE}). */
    public static final String LABEL_WORD = "word";

    // ---- retrieval ---------------------------------------------------------------------------

    /** Gauge, labels direction, embedding, k, window: in-window Recall@K (fraction of queries whose true partner ranks in the top K). */
    public static final String RECALL = "alignstream_quality_recall";
    /** Gauge, labels direction, embedding, k: Recall@K of the reference window (no window label). */
    public static final String RECALL_REFERENCE = "alignstream_quality_recall_reference";
    /** Gauge, labels direction, embedding, window: in-window mean reciprocal rank of the true partner. */
    public static final String MRR = "alignstream_quality_mrr";
    /** Gauge, labels direction, k, window: TEVI Recall@K minus raw Recall@K in the same window (positive: TEVI better). */
    public static final String TEVI_RECALL_GAIN = "alignstream_quality_tevi_recall_gain";

    // ---- retrieval by caption length (docs/monitoring-figures.md, "Short and long captions") --
    // Each is the figure above over one length's captions. A window without captions of a length
    // (from at least 2 images) has no series for it: the last window's series of that length are
    // removed, so a window of short captions only shows no long figure rather than a stale or 0 one.

    /** Gauge, labels direction, embedding, k, caption_length, window: {@link #RECALL} over one caption length's captions. */
    public static final String RECALL_BY_CAPTION_LENGTH = "alignstream_quality_recall_by_caption_length";
    /** Gauge, labels direction, embedding, caption_length, window: {@link #MRR} over one caption length's captions. */
    public static final String MRR_BY_CAPTION_LENGTH = "alignstream_quality_mrr_by_caption_length";
    /** Gauge, labels direction, k, caption_length, window: {@link #TEVI_RECALL_GAIN} over one caption length's captions. */
    public static final String TEVI_RECALL_GAIN_BY_CAPTION_LENGTH = "alignstream_quality_tevi_recall_gain_by_caption_length";
    /** Gauge, labels caption_length, window: pairs of each caption length in the last window (0 included). */
    public static final String WINDOW_CAPTIONS = "alignstream_quality_window_captions";

    // ---- alignment ---------------------------------------------------------------------------

    /** Gauge, labels embedding, window: mean cosine similarity of true (image, caption) pairs. */
    public static final String TRUE_PAIR_COSINE = "alignstream_quality_true_pair_cosine";
    /** Gauge, labels embedding, window: mean cosine similarity of random (mismatched) pairs. */
    public static final String RANDOM_PAIR_COSINE = "alignstream_quality_random_pair_cosine";
    /** Gauge, labels embedding, window: distance between the image centroid and the caption centroid. */
    public static final String MODALITY_GAP = "alignstream_quality_modality_gap";

    // ---- drift against the reference window --------------------------------------------------

    /** Gauge, labels modality, window: distance between the window's centroid and the reference's. */
    public static final String DRIFT_CENTROID_DISTANCE = "alignstream_quality_drift_centroid_distance";
    /** Gauge, labels modality, window: MMD^2 between the window and the reference (RBF kernel, median heuristic). */
    public static final String DRIFT_MMD2 = "alignstream_quality_drift_mmd2";

    // ---- TEVI dictionary health --------------------------------------------------------------

    /** Gauge, label window: fraction of the sparse autoencoder's latents never active in the window. */
    public static final String DEAD_LATENT_RATIO = "alignstream_quality_dead_latent_ratio";
    /** Gauge, label window: fraction of latents active on a very large share of the window's images. */
    public static final String FREQUENT_LATENT_RATIO = "alignstream_quality_frequent_latent_ratio";
    /** Gauge, label window: mean density (fraction of latents kept) of the caption-conditioned masks. */
    public static final String MASK_DENSITY_MEAN = "alignstream_quality_mask_density_mean";

    // ---- AlignVLM ----------------------------------------------------------------------------

    /** Gauge, label window: mean entropy (nats) of the AlignVLM vocabulary distribution. */
    public static final String ALIGNVLM_ENTROPY_MEAN = "alignstream_quality_alignvlm_entropy_mean";
    /** Gauge, labels word, window: share of the window's images whose top words include {@code word} (the most frequent words only). */
    public static final String ALIGNVLM_TOP_WORD_SHARE = "alignstream_quality_alignvlm_top_word_share";

    // ---- volume and liveness -----------------------------------------------------------------

    /** Gauge, label window: pairs in the last closed window. */
    public static final String WINDOW_PAIRS = "alignstream_quality_window_pairs";
    /** Gauge, label window: dead letters seen during the last closed window. */
    public static final String WINDOW_DEAD_LETTERS = "alignstream_quality_window_dead_letters";
    /** Gauge, label window: when the last window closed, Unix seconds. */
    public static final String LAST_WINDOW_TIMESTAMP_SECONDS = "alignstream_quality_last_window_timestamp_seconds";
    /** Counter, label window: windows closed since start (the exposed sample name, with {@code _total}). */
    public static final String WINDOWS_TOTAL = "alignstream_quality_windows_total";

    /** Every gauge above, in the order they are listed. */
    public static final List<String> GAUGES = List.of(
            RECALL, RECALL_REFERENCE, MRR, TEVI_RECALL_GAIN,
            RECALL_BY_CAPTION_LENGTH, MRR_BY_CAPTION_LENGTH, TEVI_RECALL_GAIN_BY_CAPTION_LENGTH, WINDOW_CAPTIONS,
            TRUE_PAIR_COSINE, RANDOM_PAIR_COSINE, MODALITY_GAP,
            DRIFT_CENTROID_DISTANCE, DRIFT_MMD2,
            DEAD_LATENT_RATIO, FREQUENT_LATENT_RATIO, MASK_DENSITY_MEAN,
            ALIGNVLM_ENTROPY_MEAN, ALIGNVLM_TOP_WORD_SHARE,
            WINDOW_PAIRS, WINDOW_DEAD_LETTERS, LAST_WINDOW_TIMESTAMP_SECONDS);

    /** Every counter above (exposed names, ending in {@code _total}). */
    public static final List<String> COUNTERS = List.of(WINDOWS_TOTAL);

    /** Every metric name the monitor exports: {@link #GAUGES} then {@link #COUNTERS}. */
    public static final List<String> ALL = List.of(
            RECALL, RECALL_REFERENCE, MRR, TEVI_RECALL_GAIN,
            RECALL_BY_CAPTION_LENGTH, MRR_BY_CAPTION_LENGTH, TEVI_RECALL_GAIN_BY_CAPTION_LENGTH, WINDOW_CAPTIONS,
            TRUE_PAIR_COSINE, RANDOM_PAIR_COSINE, MODALITY_GAP,
            DRIFT_CENTROID_DISTANCE, DRIFT_MMD2,
            DEAD_LATENT_RATIO, FREQUENT_LATENT_RATIO, MASK_DENSITY_MEAN,
            ALIGNVLM_ENTROPY_MEAN, ALIGNVLM_TOP_WORD_SHARE,
            WINDOW_PAIRS, WINDOW_DEAD_LETTERS, LAST_WINDOW_TIMESTAMP_SECONDS,
            WINDOWS_TOTAL);
}

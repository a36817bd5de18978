package io.alignstream.metrics;

import io.alignstream.events.DeadLetterReason;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@link PipelineMetrics} as Prometheus metrics on a given registry. Thread-safe: the Prometheus
 * client's metrics are, and this class keeps no other state. docs/metrics.md lists every metric.
 *
 * <p>Histograms are classic (explicit buckets) only: the text format has no native histograms,
 * and classic buckets cost less per observation.
 */
public final class PrometheusPipelineMetrics implements PipelineMetrics {
    /** Batch sizes 1, 2, 4, ..., 1024. */
    static final double[] BATCH_SIZE_BUCKETS = powersOfTwo(11);
    /** One model batch: from a millisecond to ten seconds. */
    static final double[] INFERENCE_SECONDS_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Waits an operator cares about: from 10 ms to 10 minutes. */
    static final double[] LATENCY_SECONDS_BUCKETS = {
        0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

    private final Counter eventsIn;
    private final Counter eventsOut;
    private final Counter deadLetters;
    private final Histogram inferenceDurations;
    private final Histogram endToEndLatency;
    private final Gauge pendingCaptions;
    private final DistributionDataPoint captionJoinWait;
    private final Map<InferenceStage, DistributionDataPoint> batchSize = new EnumMap<>(InferenceStage.class);
    private final Map<InferenceStage, DistributionDataPoint> inferenceDuration = new EnumMap<>(InferenceStage.class);

    /**
     * Registers the pipeline's metrics on {@code registry}.
     *
     * @param registry where the metrics are registered; use one registry per service (a second
     *                 instance on the same registry fails: the names are taken)
     */
    public PrometheusPipelineMetrics(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        eventsIn = Counter.builder()
                .name("alignstream_events_in_total")
                .help("Records read from an input topic, before validation (dead-lettered ones included).")
                .labelNames("topic")
                .register(registry);
        eventsOut = Counter.builder()
                .name("alignstream_events_out_total")
                .help("Records published to an output topic (embeddings and dead letters).")
                .labelNames("topic")
                .register(registry);
        deadLetters = Counter.builder()
                .name("alignstream_dead_letters_total")
                .help("Records that could not be processed and were sent to the dead-letter topic, "
                        + "by the topic they came from and the reason.")
                .labelNames("topic", "reason")
                .register(registry);
        Histogram batchSizes = Histogram.builder()
                .name("alignstream_batch_size")
                .help("Items in one batch of one inference stage.")
                .labelNames("stage")
                .classicOnly()
                .classicUpperBounds(BATCH_SIZE_BUCKETS)
                .register(registry);
        inferenceDurations = Histogram.builder()
                .name("alignstream_inference_duration_seconds")
                .help("Wall-clock time one batch of one inference stage took.")
                .labelNames("stage")
                .classicOnly()
                .classicUpperBounds(INFERENCE_SECONDS_BUCKETS)
                .register(registry);
        for (InferenceStage stage : InferenceStage.values()) {
            batchSize.put(stage, batchSizes.labelValues(stage.name()));
            inferenceDuration.put(stage, inferenceDurations.labelValues(stage.name()));
        }
        endToEndLatency = Histogram.builder()
                .name("alignstream_end_to_end_latency_seconds")
                .help("Time from an input event's eventTime to the publication of its result, by output topic.")
                .labelNames("topic")
                .classicOnly()
                .classicUpperBounds(LATENCY_SECONDS_BUCKETS)
                .register(registry);
        captionJoinWait = Histogram.builder()
                .name("alignstream_caption_join_wait_seconds")
                .help("Time a caption that arrived before its image waited for that image.")
                .classicOnly()
                .classicUpperBounds(LATENCY_SECONDS_BUCKETS)
                .register(registry);
        pendingCaptions = Gauge.builder()
                .name("alignstream_pending_captions")
                .help("Captions currently held waiting for their image, by the partition of the task holding them.")
                .labelNames("partition")
                .register(registry);
    }

    /**
     * The counters and the inference and end-to-end histograms as they are now, read from this
     * instance alone: cheaper than a scrape of the registry, which also reads the JVM and Kafka
     * Streams collectors (for the live view's sampler, every few seconds).
     */
    public MetricSnapshots snapshot() {
        return new MetricSnapshots(eventsIn.collect(), eventsOut.collect(), deadLetters.collect(),
                inferenceDurations.collect(), endToEndLatency.collect());
    }

    @Override
    public void eventIn(String topic) {
        eventsIn.labelValues(Objects.requireNonNull(topic, "topic")).inc();
    }

    @Override
    public void eventOut(String topic) {
        eventsOut.labelValues(Objects.requireNonNull(topic, "topic")).inc();
    }

    @Override
    public void deadLetter(String sourceTopic, DeadLetterReason reason) {
        deadLetters.labelValues(
                Objects.requireNonNull(sourceTopic, "sourceTopic"),
                Objects.requireNonNull(reason, "reason").name()).inc();
    }

    @Override
    public void batch(InferenceStage stage, int size, long durationNanos) {
        Objects.requireNonNull(stage, "stage");
        batchSize.get(stage).observe(Math.max(0, size));
        inferenceDuration.get(stage).observe(Math.max(0L, durationNanos) / 1e9);
    }

    @Override
    public void endToEndLatency(String outputTopic, long millis) {
        endToEndLatency.labelValues(Objects.requireNonNull(outputTopic, "outputTopic"))
                .observe(Math.max(0L, millis) / 1e3);
    }

    @Override
    public void captionJoinWait(long millis) {
        captionJoinWait.observe(Math.max(0L, millis) / 1e3);
    }

    @Override
    public void pendingCaptions(int taskPartition, long count) {
        pendingCaptions.labelValues(Integer.toString(taskPartition)).set(count);
    }

    private static double[] powersOfTwo(int count) {
        double[] bounds = new double[count];
        for (int i = 0; i < count; i++) {
            bounds[i] = 1L << i;
        }
        return bounds;
    }
}

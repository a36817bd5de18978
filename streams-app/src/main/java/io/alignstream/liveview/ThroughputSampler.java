package io.alignstream.liveview;

import io.alignstream.metrics.PrometheusPipelineMetrics;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the pipeline's counters and histograms ({@code alignstream_*}, docs/metrics.md; read
 * with {@code PrometheusPipelineMetrics.snapshot()}) every few seconds into a bounded ring, so the live view can draw rates and
 * latency quantiles over the last minutes the way Prometheus would ({@code rate()} over one
 * interval, {@code histogram_quantile()} over the last few), with no Prometheus server.
 *
 * <p>It samples on its own schedule rather than when the page asks: rates and quantiles are
 * differences between readings at known times, so the readings must not depend on how many
 * browsers poll or whether any does, and a page opened late still sees the recent past. A
 * reading does not scrape the whole registry: the JVM and Kafka Streams collectors would be read
 * too (tens to hundreds of milliseconds on two busy cores), only to be dropped.
 */
public final class ThroughputSampler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ThroughputSampler.class);
    /** Between two readings by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** Samples kept by default: 30 minutes at the default interval. */
    public static final int DEFAULT_CAPACITY = 360;
    /** Latency quantiles are over this many intervals (30 s at the default interval). */
    public static final int DEFAULT_QUANTILE_INTERVALS = 6;

    static final String EVENTS_IN = "alignstream_events_in";
    static final String EVENTS_OUT = "alignstream_events_out";
    static final String DEAD_LETTERS = "alignstream_dead_letters";
    static final String INFERENCE = "alignstream_inference_duration_seconds";
    static final String END_TO_END = "alignstream_end_to_end_latency_seconds";

    private final Supplier<MetricSnapshots> source;
    private final LongSupplier clockMs;
    private final Duration interval;
    private final int capacity;
    private final int quantileIntervals;
    private final ArrayDeque<Reading> readings = new ArrayDeque<>();
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private ScheduledExecutorService executor;

    ThroughputSampler(Supplier<MetricSnapshots> source, LongSupplier clockMs, Duration interval, int capacity,
                      int quantileIntervals) {
        this.source = Objects.requireNonNull(source, "source");
        this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 1 || capacity < 1 || quantileIntervals < 1) {
            throw new IllegalArgumentException("interval, capacity and quantile intervals must be positive");
        }
        this.capacity = capacity;
        this.quantileIntervals = quantileIntervals;
    }

    /** Starts sampling {@code metrics} at the default interval, the first reading at once. */
    public static ThroughputSampler start(PrometheusPipelineMetrics metrics) {
        return start(metrics, DEFAULT_INTERVAL);
    }

    /** Starts sampling {@code metrics} every {@code interval}, the first reading at once. */
    public static ThroughputSampler start(PrometheusPipelineMetrics metrics, Duration interval) {
        Objects.requireNonNull(metrics, "metrics");
        ThroughputSampler sampler = new ThroughputSampler(metrics::snapshot, System::currentTimeMillis,
                interval, DEFAULT_CAPACITY, DEFAULT_QUANTILE_INTERVALS);
        sampler.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "live-view-sampler");
            thread.setDaemon(true);
            return thread;
        });
        sampler.executor.scheduleAtFixedRate(sampler::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return sampler;
    }

    /**
     * Latency quantiles of one histogram series over the quantile window; null quantiles when
     * nothing was observed in it.
     *
     * @param count observations in the window
     */
    public record Quantiles(Double p50, Double p99, long count) {
    }

    /**
     * What happened between two readings.
     *
     * @param timeMs              when the later reading was taken (Unix milliseconds)
     * @param seconds             time since the previous reading
     * @param eventsInPerSecond   input topic to records read per second
     * @param eventsOutPerSecond  output topic to records published per second
     * @param deadLetters         dead letters in the interval, all reasons
     * @param deadLettersByReason reason to dead letters in the interval (non-zero ones)
     * @param inference           stage to batch duration quantiles over the quantile window
     * @param endToEnd            output topic to end-to-end latency quantiles over the quantile window
     */
    public record Sample(long timeMs, double seconds, Map<String, Double> eventsInPerSecond,
                        Map<String, Double> eventsOutPerSecond, long deadLetters, Map<String, Long> deadLettersByReason,
                        Map<String, Quantiles> inference, Map<String, Quantiles> endToEnd) {
    }

    /** Cumulative counts at the latest reading. */
    public record Totals(long timeMs, Map<String, Double> eventsIn, Map<String, Double> eventsOut, long deadLetters) {
    }

    private record Buckets(double[] upperBounds, long[] counts) {
    }

    private record Reading(long timeMs, Map<String, Double> eventsIn, Map<String, Double> eventsOut,
                           Map<String, Double> deadLetters, Map<String, Buckets> inference, Map<String, Buckets> endToEnd) {
    }

    /** The time between readings. */
    public Duration interval() {
        return interval;
    }

    /** Latency quantiles are over this long. */
    public Duration quantileWindow() {
        return interval.multipliedBy(quantileIntervals);
    }

    /** The kept samples, oldest first. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Cumulative counts at the latest reading; empty before the first. */
    public synchronized Optional<Totals> totals() {
        Reading last = readings.peekLast();
        if (last == null) {
            return Optional.empty();
        }
        return Optional.of(new Totals(last.timeMs(), last.eventsIn(), last.eventsOut(),
                Math.round(last.deadLetters().values().stream().mapToDouble(Double::doubleValue).sum())));
    }

    private void sampleQuietly() {
        try {
            long started = System.nanoTime();
            sampleNow();
            log.debug("live view sample in {} µs", (System.nanoTime() - started) / 1000);
        } catch (RuntimeException e) {
            // A failed reading must not cancel the schedule: the next one tries again.
            log.warn("live view: could not sample the pipeline metrics", e);
        }
    }

    /** Takes one reading now and, from the second on, adds a sample. */
    synchronized void sampleNow() {
        Reading now = read(source.get(), clockMs.getAsLong());
        Reading previous = readings.peekLast();
        if (previous != null) {
            Reading base = readings.peekFirst();
            double seconds = Math.max(1e-3, (now.timeMs() - previous.timeMs()) / 1000.0);
            Map<String, Long> byReason = new TreeMap<>();
            deltas(now.deadLetters(), previous.deadLetters()).forEach((reason, d) -> {
                if (d > 0) {
                    byReason.put(reason, Math.round(d));
                }
            });
            samples.addLast(new Sample(now.timeMs(), seconds,
                    perSecond(deltas(now.eventsIn(), previous.eventsIn()), seconds),
                    perSecond(deltas(now.eventsOut(), previous.eventsOut()), seconds),
                    byReason.values().stream().mapToLong(Long::longValue).sum(), Collections.unmodifiableMap(byReason),
                    quantiles(now.inference(), base.inference()), quantiles(now.endToEnd(), base.endToEnd())));
            while (samples.size() > capacity) {
                samples.removeFirst();
            }
        }
        readings.addLast(now);
        while (readings.size() > quantileIntervals) {
            readings.removeFirst();
        }
    }

    private static Reading read(MetricSnapshots snapshots, long timeMs) {
        Map<String, Double> in = new TreeMap<>();
        Map<String, Double> out = new TreeMap<>();
        Map<String, Double> dead = new TreeMap<>();
        Map<String, Buckets> inference = new TreeMap<>();
        Map<String, Buckets> endToEnd = new TreeMap<>();
        for (MetricSnapshot snapshot : snapshots) {
            String name = snapshot.getMetadata().getPrometheusName();
            if (name.endsWith("_total")) {
                name = name.substring(0, name.length() - "_total".length());
            }
            if (snapshot instanceof CounterSnapshot counter) {
                Map<String, Double> target = switch (name) {
                    case EVENTS_IN -> in;
                    case EVENTS_OUT -> out;
                    case DEAD_LETTERS -> dead;
                    default -> null;
                };
                String label = DEAD_LETTERS.equals(name) ? "reason" : "topic";
                if (target != null) {
                    for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
                        target.merge(String.valueOf(point.getLabels().get(label)), point.getValue(), Double::sum);
                    }
                }
            } else if (snapshot instanceof HistogramSnapshot histogram) {
                Map<String, Buckets> target = switch (name) {
                    case INFERENCE -> inference;
                    case END_TO_END -> endToEnd;
                    default -> null;
                };
                String label = INFERENCE.equals(name) ? "stage" : "topic";
                if (target != null) {
                    for (HistogramSnapshot.HistogramDataPointSnapshot point : histogram.getDataPoints()) {
                        if (point.hasClassicHistogramData()) {
                            target.put(String.valueOf(point.getLabels().get(label)), buckets(point.getClassicBuckets()));
                        }
                    }
                }
            }
        }
        return new Reading(timeMs, Collections.unmodifiableMap(in), Collections.unmodifiableMap(out),
                Collections.unmodifiableMap(dead), inference, endToEnd);
    }

    private static Buckets buckets(ClassicHistogramBuckets classic) {
        double[] bounds = new double[classic.size()];
        long[] counts = new long[classic.size()];
        for (int i = 0; i < classic.size(); i++) {
            bounds[i] = classic.getUpperBound(i);
            counts[i] = classic.getCount(i); // per bucket, not cumulative
        }
        return new Buckets(bounds, counts);
    }

    /** Increase of each series since {@code before}; a series that went down was reset, so all of it counts. */
    private static Map<String, Double> deltas(Map<String, Double> now, Map<String, Double> before) {
        Map<String, Double> deltas = new TreeMap<>();
        now.forEach((key, value) -> {
            double previous = before.getOrDefault(key, 0.0);
            deltas.put(key, value >= previous ? value - previous : value);
        });
        return deltas;
    }

    private static Map<String, Double> perSecond(Map<String, Double> deltas, double seconds) {
        Map<String, Double> rates = new TreeMap<>();
        deltas.forEach((key, delta) -> rates.put(key, delta / seconds));
        return Collections.unmodifiableMap(rates);
    }

    private static Map<String, Quantiles> quantiles(Map<String, Buckets> now, Map<String, Buckets> base) {
        Map<String, Quantiles> out = new TreeMap<>();
        now.forEach((key, buckets) -> {
            long[] counts = buckets.counts().clone();
            Buckets before = base.get(key);
            if (before != null && Arrays.equals(before.upperBounds(), buckets.upperBounds())) {
                long[] delta = new long[counts.length];
                boolean reset = false;
                for (int i = 0; i < counts.length; i++) {
                    delta[i] = counts[i] - before.counts()[i];
                    reset |= delta[i] < 0;
                }
                if (!reset) {
                    counts = delta;
                }
            }
            long total = Arrays.stream(counts).sum();
            out.put(key, new Quantiles(quantile(0.5, buckets.upperBounds(), counts),
                    quantile(0.99, buckets.upperBounds(), counts), total));
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The q-quantile of per-bucket counts, as Prometheus' {@code histogram_quantile} estimates it:
     * linear within the bucket holding the rank, the first bucket starting at 0, and the highest
     * finite bound when the rank falls in the +Inf bucket. Null when there are no observations.
     */
    static Double quantile(double q, double[] upperBounds, long[] counts) {
        long total = Arrays.stream(counts).sum();
        if (total == 0) {
            return null;
        }
        double rank = q * total;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            long before = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0) {
                if (Double.isInfinite(upperBounds[i])) {
                    return i == 0 ? null : upperBounds[i - 1];
                }
                double lower = i == 0 ? 0.0 : upperBounds[i - 1];
                return lower + (upperBounds[i] - lower) * (rank - before) / counts[i];
            }
        }
        return null;
    }

    /** Stops sampling (the kept samples stay readable). */
    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}

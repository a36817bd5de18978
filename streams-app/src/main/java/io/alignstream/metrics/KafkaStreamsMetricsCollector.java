package io.alignstream.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams client's own metrics ({@code KafkaStreams#metrics()}: stream threads, tasks,
 * the embedded consumers, producers and admin client) read at scrape time and exposed as
 * Prometheus metrics. Register it on a registry with {@code registry.register(new
 * KafkaStreamsMetricsCollector(streams::metrics))}.
 *
 * <p>Naming (docs/metrics.md has the details and examples):
 * <ul>
 *   <li>{@code kafka_streams_<group>_<name>}, each part through {@link PrometheusNames#sanitize};
 *       tags become labels, their names sanitised the same way;</li>
 *   <li>a name with a time unit abbreviation ({@code ns}, {@code us}, {@code ms}, {@code s},
 *       {@code sec}) gets {@code seconds} in its place and its value is converted to seconds;</li>
 *   <li>names ending in {@code _total} (Kafka's cumulative sums and counts) are counters;
 *       everything else is a gauge, and a gauge whose name would end in a suffix Prometheus
 *       reserves ({@code _count}, {@code _sum}, {@code _bucket}, {@code _created}, {@code _info})
 *       gets {@code _value} appended;</li>
 *   <li>values that are not numbers (versions, commit ids), NaN or infinite (an average or maximum
 *       over no samples yet), and negative counter values are left out;</li>
 *   <li>when two Kafka metrics map to the same name and labels, or a gauge and a counter to the
 *       same name, the first in a fixed order (group, name, tags) is kept and the other left
 *       out, so a scrape never holds duplicate series or conflicting types.</li>
 * </ul>
 */
public final class KafkaStreamsMetricsCollector implements MultiCollector {
    /** Every exposed name starts with this. */
    public static final String PREFIX = "kafka_streams_";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStreamsMetricsCollector.class);
    /** Time unit abbreviations in Kafka's names, and how many of each make a second. */
    private static final Map<String, Double> TIME_UNITS_PER_SECOND = Map.of(
            "ns", 1e9, "us", 1e6, "ms", 1e3, "s", 1.0, "sec", 1.0, "secs", 1.0);
    private static final Set<String> RESERVED_GAUGE_SUFFIXES = Set.of(
            "_total", "_count", "_sum", "_bucket", "_created", "_info");
    private static final Comparator<MetricName> ORDER = Comparator
            .comparing(MetricName::group)
            .thenComparing(MetricName::name)
            .thenComparing(name -> new TreeMap<>(name.tags()).toString());

    private final Supplier<? extends Map<MetricName, ? extends Metric>> metrics;

    /**
     * @param metrics read on every scrape; typically {@code streams::metrics}
     */
    public KafkaStreamsMetricsCollector(Supplier<? extends Map<MetricName, ? extends Metric>> metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * How a Kafka metric name is exposed.
     *
     * @param name    the full Prometheus name (a counter's ends in {@code _total})
     * @param counter whether it is a counter
     * @param divisor what the Kafka value is divided by (unit conversion to seconds)
     */
    record Exposition(String name, boolean counter, double divisor) {
        /** The name of the metric family: a counter's without {@code _total}. */
        String familyName() {
            return counter ? name.substring(0, name.length() - "_total".length()) : name;
        }
    }

    /** How {@code metricName} is exposed: name, type and unit conversion. */
    static Exposition exposition(MetricName metricName) {
        String raw = PREFIX + PrometheusNames.sanitize(metricName.group()) + "_"
                + PrometheusNames.sanitize(metricName.name());
        String[] parts = raw.split("_");
        int unitIndex = -1;
        for (int i = 2; i < parts.length; i++) { // never the "kafka_streams" prefix
            if (TIME_UNITS_PER_SECOND.containsKey(parts[i])) {
                if (unitIndex >= 0) { // two units in one name: ambiguous, leave it as Kafka names it
                    unitIndex = -1;
                    break;
                }
                unitIndex = i;
            }
        }
        double divisor = 1.0;
        if (unitIndex >= 0) {
            divisor = TIME_UNITS_PER_SECOND.get(parts[unitIndex]);
            parts[unitIndex] = "seconds";
            raw = String.join("_", parts);
        }
        if (raw.endsWith("_total")) {
            return new Exposition(raw, true, divisor);
        }
        for (String suffix : RESERVED_GAUGE_SUFFIXES) {
            if (raw.endsWith(suffix)) {
                return new Exposition(raw + "_value", false, divisor);
            }
        }
        return new Exposition(raw, false, divisor);
    }

    /** The labels for {@code tags}: names sanitised; of two tags whose names collide, the first (by name) wins. */
    static Labels labels(Map<String, String> tags) {
        Map<String, String> byLabel = new LinkedHashMap<>();
        for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
            byLabel.putIfAbsent(PrometheusNames.sanitize(tag.getKey()),
                    tag.getValue() == null ? "" : tag.getValue());
        }
        return Labels.of(new ArrayList<>(byLabel.keySet()), new ArrayList<>(byLabel.values()));
    }

    @Override
    public MetricSnapshots collect() {
        List<Map.Entry<MetricName, Metric>> entries = new ArrayList<>();
        try {
            metrics.get().forEach((name, metric) -> {
                if (name != null && metric != null) {
                    entries.add(Map.entry(name, metric));
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Could not read the Kafka Streams metrics; this scrape has none of them", e);
            return MetricSnapshots.of();
        }
        entries.sort(Map.Entry.comparingByKey(ORDER));

        Map<String, Family> families = new LinkedHashMap<>();
        for (Map.Entry<MetricName, Metric> entry : entries) {
            MetricName metricName = entry.getKey();
            double value;
            try {
                Object raw = entry.getValue().metricValue();
                if (!(raw instanceof Number number)) {
                    continue;
                }
                value = number.doubleValue();
            } catch (RuntimeException e) { // a gauge over a closed resource, for instance
                LOG.debug("Skipping Kafka metric {}: reading it failed", metricName, e);
                continue;
            }
            if (!Double.isFinite(value)) {
                continue;
            }
            Exposition exposition = exposition(metricName);
            value /= exposition.divisor();
            if (exposition.counter() && value < 0) {
                continue;
            }
            Family family = families.computeIfAbsent(exposition.familyName(),
                    name -> new Family(exposition, help(metricName)));
            if (family.counter != exposition.counter()) {
                LOG.debug("Skipping Kafka metric {}: {} is already a {}", metricName, exposition.familyName(),
                        family.counter ? "counter" : "gauge");
                continue;
            }
            family.points.putIfAbsent(labels(metricName.tags()), value);
        }

        MetricSnapshots.Builder result = MetricSnapshots.builder();
        for (Family family : families.values()) {
            result.metricSnapshot(family.snapshot());
        }
        return result.build();
    }

    private static String help(MetricName name) {
        String description = name.description();
        String origin = "Kafka Streams client metric " + name.group() + "/" + name.name();
        return description == null || description.isBlank() ? origin : description + " (" + origin + ")";
    }

    /** One exposed metric family and its data points, one per distinct label set. */
    private static final class Family {
        final String name;
        final boolean counter;
        final String help;
        final Map<Labels, Double> points = new LinkedHashMap<>();

        Family(Exposition exposition, String help) {
            this.name = exposition.familyName();
            this.counter = exposition.counter();
            this.help = help;
        }

        MetricSnapshot snapshot() {
            if (counter) {
                CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
                points.forEach((labels, value) -> builder.dataPoint(
                        CounterDataPointSnapshot.builder().labels(labels).value(value).build()));
                return builder.build();
            }
            GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
            points.forEach((labels, value) -> builder.dataPoint(
                    GaugeDataPointSnapshot.builder().labels(labels).value(value).build()));
            return builder.build();
        }
    }
}

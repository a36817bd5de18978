package io.alignstream.monitoring;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A scrape of a registry's quality metrics, as Prometheus would store it: one entry per series,
 * keyed by its selector {@code name{label="value",...}} (labels sorted; the counter under its
 * exposed {@code _total} name), extra labels (a scrape's job and instance) added.
 */
final class ExportedSeries {
    private ExportedSeries() {
    }

    static SortedMap<String, Double> scrape(PrometheusRegistry registry, Map<String, String> extraLabels) {
        SortedMap<String, Double> out = new TreeMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            String name = snapshot.getMetadata().getPrometheusName();
            boolean counter = snapshot instanceof CounterSnapshot;
            if (!name.startsWith("alignstream_quality_")) {
                continue;
            }
            for (DataPointSnapshot point : snapshot.getDataPoints()) {
                SortedMap<String, String> labels = new TreeMap<>(extraLabels);
                for (Label label : point.getLabels()) {
                    labels.put(label.getName(), label.getValue());
                }
                double value = counter ? ((CounterSnapshot.CounterDataPointSnapshot) point).getValue()
                        : ((GaugeSnapshot.GaugeDataPointSnapshot) point).getValue();
                out.put(selector(counter ? name + "_total" : name, labels), value);
            }
        }
        return out;
    }

    static SortedMap<String, Double> scrape(PrometheusRegistry registry) {
        return scrape(registry, Map.of());
    }

    static String selector(String name, Map<String, String> labels) {
        StringBuilder out = new StringBuilder(name).append('{');
        String separator = "";
        for (Map.Entry<String, String> label : new TreeMap<>(labels).entrySet()) {
            out.append(separator).append(label.getKey()).append("=\"")
                    .append(label.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            separator = ", ";
        }
        return out.append('}').toString();
    }

    /** The series name of a selector. */
    static String name(String selector) {
        return selector.substring(0, selector.indexOf('{'));
    }
}

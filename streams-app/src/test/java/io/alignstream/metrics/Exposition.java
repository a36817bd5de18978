package io.alignstream.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;

/** Reads scrapes the way Prometheus does: the text format, line by line. */
final class Exposition {
    private Exposition() {
    }

    /** What a scrape of {@code registry} returns, in the Prometheus text format. */
    static String text(PrometheusRegistry registry) {
        return text(registry.scrape());
    }

    static String text(MetricSnapshots snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The value of the sample whose name and labels are exactly {@code series}, e.g.
     * {@code alignstream_events_in_total{topic="images"}}; empty when the scrape has no such sample.
     */
    static OptionalDouble sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return OptionalDouble.of(Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]));
            }
        }
        return OptionalDouble.empty();
    }

    /** Every sample line (not comments) whose series starts with {@code prefix}. */
    static List<String> samples(String text, String prefix) {
        return text.lines().filter(line -> !line.startsWith("#") && line.startsWith(prefix)).toList();
    }

    /** The {@code # TYPE} of {@code name}, or null. */
    static String type(String text, String name) {
        String start = "# TYPE " + name + " ";
        return text.lines().filter(line -> line.startsWith(start)).map(line -> line.substring(start.length()))
                .findFirst().orElse(null);
    }
}

package io.alignstream.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.health.CrashLoopDetector;
import io.alignstream.health.LivenessSettings;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.KafkaStreamsMetricsCollector;
import io.alignstream.metrics.MetricsRegistries;
import io.alignstream.metrics.PrometheusPipelineMetrics;
import io.alignstream.monitoring.QualityMetricNames;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard, the alerts and the recording rules query only metrics the app exports.
 *
 * <p>What "exported" means here:
 * <ul>
 *   <li>the pipeline's, the crash-loop detector's and the JVM's: the sample names of a scrape of
 *       {@link MetricsRegistries#withJvmMetrics()} with {@link PrometheusPipelineMetrics} and a
 *       {@link CrashLoopDetector} on it, after one event of each kind (histogram
 *       {@code _bucket/_sum/_count} included);</li>
 *   <li>the retrieval-quality monitor's: {@link QualityMetricNames#ALL};</li>
 *   <li>Kafka Streams': the names {@link KafkaStreamsMetricsCollector} gives the metrics of a real
 *       {@link KafkaStreams} (exactly-once, as the service runs; constructed, not started, so no broker
 *       is needed), each read as 1 so that none is left out as NaN, plus
 *       {@link #KAFKA_AFTER_ASSIGNMENT};</li>
 *   <li>Prometheus' own per-target series ({@code up}, ...) and the recording rules' names.</li>
 * </ul>
 */
class DashboardMetricsTest {
    /**
     * Kafka metrics that exist only once the consumer has partitions (so not on a client that was
     * never started): per-partition consumer lag. KafkaStreamsMetricsIntegrationTest sees it in a
     * real scrape (docs/metrics.md).
     */
    static final Set<String> KAFKA_AFTER_ASSIGNMENT = Set.of(
            "kafka_streams_consumer_fetch_manager_metrics_records_lag");
    /** Series Prometheus adds to every target. */
    static final Set<String> PROMETHEUS_SERIES = Set.of(
            "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
            "scrape_series_added");
    /** The dashboard's rows, top to bottom, as an operator reads them (prefixes of the titles). */
    static final List<String> ROWS = List.of(
            "Overview", "Traffic", "Latency", "Errors", "Retrieval quality", "Drift",
            "TEVI dictionary and AlignVLM", "Kafka Streams and JVM");

    private static String appScrape;
    private static Set<String> pipelineAndJvm;
    private static Set<String> kafkaStreams;

    @BeforeAll
    static void scrapeTheApp(@TempDir Path stateDir) throws IOException {
        PrometheusRegistry registry = MetricsRegistries.withJvmMetrics();
        PrometheusPipelineMetrics pipeline = new PrometheusPipelineMetrics(registry);
        pipeline.eventIn("alignstream.images");
        pipeline.eventOut("alignstream.embeddings.tevi");
        pipeline.deadLetter("alignstream.images", DeadLetterReason.BAD_IMAGE);
        pipeline.batch(InferenceStage.VISION, 4, 1_000_000);
        pipeline.endToEndLatency("alignstream.embeddings.tevi", 120);
        pipeline.captionJoinWait(50);
        pipeline.pendingCaptions(0, 1);
        new CrashLoopDetector(new LivenessSettings(5, 10, Duration.ofMinutes(10)), registry)
                .failed(new IllegalStateException("a stream thread failed"));
        appScrape = text(registry);
        pipelineAndJvm = sampleNames(appScrape);

        PrometheusRegistry kafka = new PrometheusRegistry();
        KafkaStreams streams = unstartedStreams(stateDir);
        try {
            kafka.register(new KafkaStreamsMetricsCollector(() -> everyNumberAsOne(streams.metrics())));
            kafkaStreams = sampleNames(text(kafka));
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void theNameExtractorFindsMetricNamesAndNothingElse() {
        assertThat(PromQlNames.of("histogram_quantile(0.99, sum by (le, stage) "
                + "(rate(alignstream_inference_duration_seconds_bucket{job=\"$job\", stage=~\"A|B\"}[$__rate_interval])))"))
                .containsExactly("alignstream_inference_duration_seconds_bucket");
        assertThat(PromQlNames.of("alignstream_quality_recall / ignoring (window) group_left () "
                + "(alignstream_quality_recall_reference > 0)"))
                .containsExactly("alignstream_quality_recall", "alignstream_quality_recall_reference");
        assertThat(PromQlNames.of("time() - alignstream_quality_last_window_timestamp_seconds > 1.8e3"))
                .containsExactly("alignstream_quality_last_window_timestamp_seconds");
        assertThat(PromQlNames.of("sum(rate(a_total[5m] offset 1h)) by (job) / on (job) b:c:rate5m unless d"))
                .containsExactly("a_total", "b:c:rate5m", "d");
        assertThat(PromQlNames.of("label_values(alignstream_events_in_total{job=\"$job\"}, instance)"))
                .containsExactly("alignstream_events_in_total");
        assertThat(PromQlNames.of("absent(up{job=\"alignstream\"}) or topk(15, max by (word) (x))"))
                .containsExactly("up", "x");
    }

    @Test
    void everyQueryOfTheDashboardAlertsAndRecordingRulesUsesAnExportedName() {
        Set<String> known = new TreeSet<>();
        known.addAll(pipelineAndJvm);
        known.addAll(QualityMetricNames.ALL);
        known.addAll(kafkaStreams);
        known.addAll(KAFKA_AFTER_ASSIGNMENT);
        known.addAll(PROMETHEUS_SERIES);
        known.addAll(recordingRules().keySet());

        Map<String, List<String>> unknown = new TreeMap<>();
        queries().forEach((where, expr) -> {
            for (String name : PromQlNames.of(expr)) {
                if (!known.contains(name) && !known.contains(histogramBase(name))) {
                    unknown.computeIfAbsent(name, n -> new ArrayList<>()).add(where);
                }
            }
        });
        assertThat(unknown).as("metric names used by ops/ that the app does not export (name -> where)").isEmpty();
    }

    @Test
    void theKafkaStreamsNamesTheKitReliesOnComeFromARealClient() {
        // the names the alerts and the dashboard's operators need most (docs/metrics.md)
        assertThat(kafkaStreams).contains(
                "kafka_streams_stream_metrics_client_state",
                "kafka_streams_stream_metrics_alive_stream_threads",
                "kafka_streams_consumer_fetch_manager_metrics_records_lag_max",
                "kafka_streams_stream_thread_metrics_commit_latency_avg",
                "kafka_streams_consumer_coordinator_metrics_rebalance_total",
                "kafka_streams_producer_metrics_txn_commit_time_seconds_total");
    }

    @Test
    void everyExportedAlignstreamFamilyHasAPanel() {
        // families of the pipeline (from the scrape's TYPE lines) and of the quality monitor
        Set<String> families = appScrape.lines()
                .filter(line -> line.startsWith("# TYPE alignstream_"))
                .map(line -> line.split(" ")[2])
                .map(name -> line(name))
                .collect(Collectors.toCollection(TreeSet::new));
        QualityMetricNames.ALL.forEach(name -> families.add(line(name)));

        // names read by the dashboard, directly or through a recording rule
        Set<String> used = new TreeSet<>();
        Map<String, String> recording = recordingRules();
        dashboardQueries().values().forEach(expr -> {
            for (String name : PromQlNames.of(expr)) {
                used.add(line(histogramBase(name)));
                if (recording.containsKey(name)) {
                    PromQlNames.of(recording.get(name)).forEach(n -> used.add(line(histogramBase(n))));
                }
            }
        });
        assertThat(families).as("alignstream metric families without a dashboard panel")
                .isSubsetOf(used);
        assertThat(families).hasSizeGreaterThanOrEqualTo(QualityMetricNames.ALL.size() + 8);
    }

    @Test
    void theDashboardIsGroupedInRowsAndEveryPanelUsesTheDataSourceVariable() {
        JsonNode dashboard = OpsKit.json(OpsKit.ops("grafana/dashboards/alignstream.json"));
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("uid").asText()).isEqualTo("alignstream");
        List<String> rows = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode panel : allPanels(dashboard)) {
            if (!ids.add(panel.path("id").asInt())) {
                problems.add("duplicate panel id " + panel.path("id").asInt());
            }
            if (panel.path("type").asText().equals("row")) {
                rows.add(panel.path("title").asText());
                continue;
            }
            if (!panel.path("datasource").path("uid").asText().equals("${DS_PROMETHEUS}")) {
                problems.add(panel.path("title").asText() + ": datasource is not ${DS_PROMETHEUS}");
            }
            if (panel.path("targets").isEmpty()) {
                problems.add(panel.path("title").asText() + ": no query");
            }
        }
        assertThat(problems).isEmpty();
        assertThat(rows).hasSameSizeAs(ROWS);
        for (int i = 0; i < ROWS.size(); i++) {
            assertThat(rows.get(i)).startsWith(ROWS.get(i));
        }
        assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
                .contains("DS_PROMETHEUS", "job", "instance", "window");
    }

    // ---------------------------------------------------------------------------- helpers

    /** Every PromQL expression of ops/: "where" -> expr. */
    private static Map<String, String> queries() {
        Map<String, String> queries = new LinkedHashMap<>(dashboardQueries());
        for (String file : List.of("prometheus/recording.yml", "prometheus/alerts.yml")) {
            for (JsonNode rule : OpsKit.rules(OpsKit.ops(file))) {
                String name = rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
                queries.put(file + ": " + name, rule.path("expr").asText());
            }
        }
        return queries;
    }

    private static Map<String, String> dashboardQueries() {
        JsonNode dashboard = OpsKit.json(OpsKit.ops("grafana/dashboards/alignstream.json"));
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : allPanels(dashboard)) {
            int i = 0;
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    queries.put("dashboard panel '" + panel.path("title").asText() + "' query " + (i++), target.path("expr").asText());
                }
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asText() : query.asText();
            if (variable.path("type").asText().equals("query")) {
                queries.put("dashboard variable $" + variable.path("name").asText(), text);
            }
        }
        return queries;
    }

    /** Panels, those nested in collapsed rows included. */
    private static List<JsonNode> allPanels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** Recording rule name -> its expression. */
    private static Map<String, String> recordingRules() {
        Map<String, String> rules = new LinkedHashMap<>();
        for (JsonNode rule : OpsKit.rules(OpsKit.ops("prometheus/recording.yml"))) {
            rules.put(rule.path("record").asText(), rule.path("expr").asText());
        }
        return rules;
    }

    /** A histogram's or summary's series name to its family name (x_bucket, x_sum, x_count -> x). */
    private static String histogramBase(String name) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    /** A family's name as a counter's series and its TYPE line differ: x_total and x name one family. */
    private static String line(String name) {
        return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    }

    private static String text(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Set<String> sampleNames(String exposition) {
        return exposition.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static KafkaStreams unstartedStreams(Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("ops-names-in").to("ops-names-out");
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "ops-dashboard-names");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never contacted: not started
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        return new KafkaStreams(builder.build(), config);
    }

    /** The same metrics with every numeric value read as 1 (Kafka reports NaN before the first sample). */
    private static Map<MetricName, Metric> everyNumberAsOne(Map<MetricName, ? extends Metric> metrics) {
        Map<MetricName, Metric> copy = new LinkedHashMap<>();
        metrics.forEach((name, metric) -> {
            Object value;
            try {
                value = metric.metricValue();
            } catch (RuntimeException e) {
                value = 1.0;
            }
            Object reported = value instanceof Number ? (Object) 1.0 : value;
            copy.put(name, new Metric() {
                @Override
                public MetricName metricName() {
                    return name;
                }

                @Override
                public Object metricValue() {
                    return reported;
                }
            });
        });
        return copy;
    }
}

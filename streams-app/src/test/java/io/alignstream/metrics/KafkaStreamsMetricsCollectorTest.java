package io.alignstream.metrics;

import static io.alignstream.metrics.Exposition.sample;
import static io.alignstream.metrics.Exposition.samples;
import static io.alignstream.metrics.Exposition.type;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** The collector over hand-made Kafka metrics: no broker, no Kafka Streams. */
class KafkaStreamsMetricsCollectorTest {
    private final Map<MetricName, Metric> kafka = new LinkedHashMap<>();

    private void add(String group, String name, Object value, String... tags) {
        addDescribed(group, name, "", value, tags);
    }

    private void addDescribed(String group, String name, String description, Object value, String... tags) {
        Map<String, String> tagMap = new LinkedHashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            tagMap.put(tags[i], tags[i + 1]);
        }
        MetricName metricName = new MetricName(name, group, description, tagMap);
        kafka.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                if (value instanceof Supplier<?> supplier) {
                    return supplier.get();
                }
                return value;
            }
        });
    }

    private String scrape() {
        return Exposition.text(new KafkaStreamsMetricsCollector(() -> kafka).collect());
    }

    @Test
    void aKafkaMetricBecomesAGaugeNamedAfterItsGroupAndNameWithItsTagsAsLabels() {
        // given the consumer's lag for one partition
        addDescribed("consumer-fetch-manager-metrics", "records-lag", "The latest lag of the partition", 42L,
                "client-id", "app-StreamThread-1-consumer", "topic", "images", "partition", "0");

        // when scraped
        String text = scrape();

        // then it is a gauge with sanitised name and label names, values as they are
        assertThat(type(text, "kafka_streams_consumer_fetch_manager_metrics_records_lag")).isEqualTo("gauge");
        assertThat(sample(text, "kafka_streams_consumer_fetch_manager_metrics_records_lag"
                + "{client_id=\"app-StreamThread-1-consumer\",partition=\"0\",topic=\"images\"}")).hasValue(42.0);
        // and the help keeps Kafka's description and says where it comes from
        assertThat(text).contains("# HELP kafka_streams_consumer_fetch_manager_metrics_records_lag "
                + "The latest lag of the partition (Kafka Streams client metric consumer-fetch-manager-metrics/records-lag)");
    }

    @Test
    void aMetricWithoutDescriptionStillHasAHelpText() {
        // given a metric Kafka gave no description
        add("stream-thread-metrics", "commit-latency-avg", 3.5, "thread-id", "t1");

        // when scraped
        String text = scrape();

        // then the help names its origin
        assertThat(text).contains("# HELP kafka_streams_stream_thread_metrics_commit_latency_avg "
                + "Kafka Streams client metric stream-thread-metrics/commit-latency-avg");
        assertThat(sample(text, "kafka_streams_stream_thread_metrics_commit_latency_avg{thread_id=\"t1\"}")).hasValue(3.5);
    }

    @Test
    void totalsAreCountersAndEverythingElseIsAGauge() {
        // given Kafka's cumulative commit count and its rate
        add("stream-thread-metrics", "commit-total", 17.0, "thread-id", "t1");
        add("stream-thread-metrics", "commit-rate", 0.5, "thread-id", "t1");

        // when scraped
        String text = scrape();

        // then the total is a counter under its own name, the rate a gauge
        assertThat(type(text, "kafka_streams_stream_thread_metrics_commit_total")).isEqualTo("counter");
        assertThat(sample(text, "kafka_streams_stream_thread_metrics_commit_total{thread_id=\"t1\"}")).hasValue(17.0);
        assertThat(type(text, "kafka_streams_stream_thread_metrics_commit_rate")).isEqualTo("gauge");
    }

    @Test
    void aNegativeTotalIsLeftOutBecauseACounterCannotBeNegative() {
        // given a "-total" metric that is negative (not a real cumulative count)
        add("g", "odd-total", -1.0);

        // when scraped, then it is not exposed at all
        assertThat(samples(scrape(), "kafka_streams_g_odd")).isEmpty();
    }

    @Test
    void timeUnitAbbreviationsBecomeSecondsAndValuesAreConverted() {
        // given metrics in nanoseconds, milliseconds and seconds, as Kafka names them
        add("consumer-metrics", "io-wait-time-ns-total", 2_500_000_000.0, "client-id", "c");
        add("app-info", "start-time-ms", 1_700_000_000_123L, "client-id", "c");
        add("producer-metrics", "txn-commit-time-us-avg", 1500.0, "client-id", "c");

        // when scraped
        String text = scrape();

        // then the names say seconds and the values are seconds
        assertThat(type(text, "kafka_streams_consumer_metrics_io_wait_time_seconds_total")).isEqualTo("counter");
        assertThat(sample(text, "kafka_streams_consumer_metrics_io_wait_time_seconds_total{client_id=\"c\"}")).hasValue(2.5);
        assertThat(sample(text, "kafka_streams_app_info_start_time_seconds{client_id=\"c\"}")).hasValue(1_700_000_000.123);
        assertThat(sample(text, "kafka_streams_producer_metrics_txn_commit_time_seconds_avg{client_id=\"c\"}"))
                .hasValue(0.0015);
        assertThat(text).doesNotContain("_ns_").doesNotContain("_ms{").doesNotContain("_us_");
    }

    @Test
    void gaugesWhoseNamesEndInAReservedSuffixGetValueAppended() {
        // given gauges Kafka names like a histogram's or summary's parts
        add("consumer-metrics", "connection-count", 3.0, "client-id", "c");
        add("kafka-metrics-count", "count", 250.0, "client-id", "c");

        // when scraped
        String text = scrape();

        // then they do not pose as histogram or summary series
        assertThat(type(text, "kafka_streams_consumer_metrics_connection_count_value")).isEqualTo("gauge");
        assertThat(sample(text, "kafka_streams_kafka_metrics_count_count_value{client_id=\"c\"}")).hasValue(250.0);
        assertThat(text).doesNotContain("_count{").doesNotContain("_count ");
    }

    @Test
    void nonNumericNanAndInfiniteValuesAreLeftOut() {
        // given a version string, an average over no samples, a maximum over none, and a failing gauge
        add("app-info", "version", "4.3.1", "client-id", "c");
        add("stream-thread-metrics", "commit-latency-avg", Double.NaN, "thread-id", "t1");
        add("stream-thread-metrics", "commit-latency-max", Double.NEGATIVE_INFINITY, "thread-id", "t1");
        add("stream-state-metrics", "size", (Supplier<Object>) () -> {
            throw new IllegalStateException("store closed");
        });
        add("stream-thread-metrics", "poll-rate", 2.0, "thread-id", "t1");

        // when scraped
        String text = scrape();

        // then only the number is there, and no empty family is declared
        assertThat(samples(text, "kafka_streams_")).containsExactly(
                "kafka_streams_stream_thread_metrics_poll_rate{thread_id=\"t1\"} 2.0");
        assertThat(text.lines().filter(line -> line.startsWith("# TYPE"))).hasSize(1);
    }

    @Test
    void twoKafkaMetricsThatSanitiseToTheSameSeriesAreExposedOnce() {
        // given two metrics whose names and tags differ only in punctuation
        add("g", "records-lag", 1.0, "client-id", "c");
        add("g", "records_lag", 2.0, "client_id", "c");
        // and one metric with two tags that sanitise to the same label name
        add("g", "x", 3.0, "thread-id", "a", "thread_id", "b");

        // when scraped
        String text = scrape();

        // then each series appears once, the first in (group, name, tags) order winning
        assertThat(samples(text, "kafka_streams_g_records_lag")).containsExactly("kafka_streams_g_records_lag{client_id=\"c\"} 1.0");
        assertThat(samples(text, "kafka_streams_g_x")).containsExactly("kafka_streams_g_x{thread_id=\"a\"} 3.0");
        assertThat(text.lines().filter(line -> line.startsWith("# TYPE kafka_streams_g_records_lag "))).hasSize(1);
    }

    @Test
    void aGaugeAndACounterNeverShareAName() {
        // given a gauge "x" and a counter "x-total", which Prometheus would both call x
        add("g", "x", 5.0);
        add("g", "x-total", 9.0);

        // when collected
        MetricSnapshots snapshots = new KafkaStreamsMetricsCollector(() -> kafka).collect();

        // then only one of them is exposed, so the family has one type
        assertThat(snapshots.stream().map(s -> s.getMetadata().getPrometheusName())).containsExactly("kafka_streams_g_x");
        MetricSnapshot only = snapshots.get(0);
        assertThat(only.getDataPoints()).hasSize(1);
    }

    @Test
    void seriesOfOneMetricDifferingOnlyInLabelsAreOneFamily() {
        // given the lag of three partitions
        for (int p = 0; p < 3; p++) {
            add("consumer-fetch-manager-metrics", "records-lag", (long) p * 10, "topic", "t", "partition", String.valueOf(p));
        }

        // when scraped
        String text = scrape();

        // then one family with three series
        assertThat(text.lines().filter(line -> line.startsWith("# TYPE "))).hasSize(1);
        assertThat(samples(text, "kafka_streams_consumer_fetch_manager_metrics_records_lag{")).hasSize(3);
    }

    @Test
    void valuesAreReadAtScrapeTime() {
        // given a metric whose value changes between scrapes
        long[] lag = {5};
        add("g", "records-lag", (Supplier<Object>) () -> lag[0]);
        KafkaStreamsMetricsCollector collector = new KafkaStreamsMetricsCollector(() -> kafka);
        String first = Exposition.text(collector.collect());

        // when it changes and the collector is scraped again
        lag[0] = 0;
        String second = Exposition.text(collector.collect());

        // then each scrape shows the value of its moment
        assertThat(sample(first, "kafka_streams_g_records_lag")).hasValue(5.0);
        assertThat(sample(second, "kafka_streams_g_records_lag")).hasValue(0.0);
    }

    @Test
    void aFailingMetricsSupplierGivesAnEmptyScrapeNotAnError() {
        // given a supplier that throws (Kafka Streams torn down under the scrape, say)
        KafkaStreamsMetricsCollector collector = new KafkaStreamsMetricsCollector(() -> {
            throw new IllegalStateException("closed");
        });

        // when collected, then there are no Kafka metrics, and no exception reaches the scrape
        assertThat(collector.collect().size()).isZero();
    }
}

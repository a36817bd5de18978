package io.alignstream.metrics;

import static io.alignstream.metrics.Exposition.sample;
import static io.alignstream.metrics.Exposition.samples;
import static io.alignstream.metrics.Exposition.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics and health endpoints of a real {@link KafkaStreams} on the real embedded broker,
 * scraped over HTTP and checked by the real promtool.
 */
class KafkaStreamsMetricsIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path stateDir;

    /** A pass-through topology that also counts per key (so a state store's metrics exist too). */
    private KafkaStreams passThrough(String input, String output, PipelineMetrics metrics, String recordingLevel) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> stream = builder.<byte[], byte[]>stream(input).peek((key, value) -> metrics.eventIn(input));
        stream.peek((key, value) -> metrics.eventOut(output)).to(output);
        stream.groupByKey().count(Materialized.as("counts-per-key"));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-it-" + UUID.randomUUID());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        config.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, recordingLevel);
        return new KafkaStreams(builder.build(), config);
    }

    private void produce(String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, ("key-" + i % 3).getBytes(StandardCharsets.UTF_8),
                        ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private HttpResponse<String> get(MetricsServer server, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.baseUri().resolve(path)).timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Scrapes until {@code done} holds for the body, or fails after {@link #PATIENCE}. */
    private String scrapeUntil(MetricsServer server, Predicate<String> done, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(server, "/metrics").body();
            if (done.test(body)) {
                return body;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("No " + what + " in " + PATIENCE + "; last scrape:\n" + body);
    }

    private int awaitHealth(MetricsServer server, int status) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = get(server, "/health").statusCode();
            if (last == status) {
                return last;
            }
            Thread.sleep(100);
        }
        return last;
    }

    @Test
    void healthIs503BeforeStart200WhileRunningAnd503AfterClose() throws Exception {
        // given a real Kafka Streams that has not started, behind the health endpoint
        String input = "metrics-it-health-in";
        PLATFORM.kafka().createTopics(new NewTopic(input, 1, (short) 1), new NewTopic(input + "-out", 1, (short) 1));
        KafkaStreams streams = passThrough(input, input + "-out", PipelineMetrics.noop(), "INFO");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry(), streams::state)) {
            HttpResponse<String> created = get(server, "/health");
            assertThat(created.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(created.body()).get("streamsState").asText()).isEqualTo("CREATED");

            // when it starts, then health turns 200 once it runs
            streams.start();
            assertThat(awaitHealth(server, 200)).isEqualTo(200);
            HttpResponse<String> running = get(server, "/health");
            assertThat(JSON.readTree(running.body()).get("status").asText()).isEqualTo("UP");
            assertThat(get(server, "/ready").statusCode()).isIn(200, 503); // 503 only if a rebalance started meanwhile

            // when it is closed, then health is 503 again and says NOT_RUNNING
            streams.close(Duration.ofSeconds(30));
            HttpResponse<String> closed = get(server, "/health");
            assertThat(closed.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(closed.body()).get("streamsState").asText()).isEqualTo("NOT_RUNNING");
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void aScrapeOfARunningServiceHasPipelineJvmAndKafkaStreamsMetricsAndPassesPromtool() throws Exception {
        // given the service's registry: JVM metrics, pipeline metrics, and the metrics of a real
        // Kafka Streams (DEBUG recording level: the most metrics, so the most names to get right)
        String input = "metrics-it-scrape-in";
        String output = "metrics-it-scrape-out";
        PLATFORM.kafka().createTopics(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1));
        PrometheusRegistry registry = MetricsRegistries.withJvmMetrics();
        PrometheusPipelineMetrics pipeline = new PrometheusPipelineMetrics(registry);
        KafkaStreams streams = passThrough(input, output, pipeline, "DEBUG");
        registry.register(new KafkaStreamsMetricsCollector(streams::metrics));
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, streams::state)) {
            // and the rest of the pipeline's metrics used once each
            pipeline.deadLetter(input, DeadLetterReason.BAD_IMAGE);
            pipeline.batch(InferenceStage.VISION, 8, 12_000_000L);
            pipeline.endToEndLatency(output, 420);
            pipeline.captionJoinWait(1_500);
            pipeline.pendingCaptions(0, 3);

            // when records flow through and Prometheus scrapes over HTTP
            streams.start();
            produce(input, 20);
            String body = scrapeUntil(server, text ->
                    sample(text, "alignstream_events_out_total{topic=\"" + output + "\"}").orElse(0) >= 20
                            && !samples(text, "kafka_streams_stream_thread_metrics_commit_latency_avg{").isEmpty()
                            && !samples(text, "kafka_streams_consumer_fetch_manager_metrics_records_lag{").isEmpty(),
                    "20 records out, a commit latency and a records lag");
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "metrics-scrape.txt"), body);

            // then the pipeline's metrics are there
            assertThat(sample(body, "alignstream_events_in_total{topic=\"" + input + "\"}")).hasValue(20.0);
            assertThat(sample(body, "alignstream_dead_letters_total{reason=\"BAD_IMAGE\",topic=\"" + input + "\"}")).hasValue(1.0);
            // and the JVM's
            assertThat(type(body, "jvm_memory_used_bytes")).isEqualTo("gauge");
            assertThat(samples(body, "jvm_memory_used_bytes{area=\"heap\"}")).hasSize(1);
            assertThat(type(body, "jvm_threads_current")).isEqualTo("gauge");
            // and Kafka Streams': commit latency per stream thread, lag per input partition,
            // and the consumer's cumulative counts as counters
            assertThat(type(body, "kafka_streams_stream_thread_metrics_commit_latency_avg")).isEqualTo("gauge");
            assertThat(samples(body, "kafka_streams_stream_thread_metrics_commit_latency_avg{"))
                    .allMatch(line -> line.contains("thread_id=\""));
            assertThat(samples(body, "kafka_streams_consumer_fetch_manager_metrics_records_lag{"))
                    .anyMatch(line -> line.contains("topic=\"" + input + "\"") && line.contains("partition=\""));
            assertThat(type(body, "kafka_streams_stream_thread_metrics_commit_total")).isEqualTo("counter");
            assertThat(samples(body, "kafka_streams_stream_thread_metrics_commit_total{")).isNotEmpty();
            // and no series appears twice
            List<String> series = body.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                    .map(line -> line.substring(0, line.lastIndexOf(' '))).toList();
            Set<String> distinct = new HashSet<>(series);
            assertThat(distinct).hasSameSizeAs(series);

            // and promtool finds nothing wrong with the exposition
            Promtool.Result promtool = Promtool.checkMetrics(body);
            System.out.printf("promtool check metrics: exit %d, %d series, %d families%n%s%n",
                    promtool.exitCode(), series.size(), body.lines().filter(l -> l.startsWith("# TYPE")).count(),
                    promtool.output());
            assertThat(promtool.output()).as("promtool check metrics output").isEmpty();
            assertThat(promtool.exitCode()).as("promtool exit code; output:%n%s", promtool.output()).isZero();
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
    }
}

package io.alignstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.metrics.MetricsServer;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash loop on the real embedded broker: a Kafka Streams whose processor throws on one
 * poison record every time it reads it, with the service's own uncaught-exception handler. The
 * thread is replaced, the task resumes from its last commit, reads the poison record again, and
 * so on; {@code /health} must turn 503 and name the task, and the counters show the replacements.
 *
 * <p>The Kafka Streams properties and the liveness settings come from the service's own
 * configuration ({@link AlignstreamConfig}, built from keys as an operator writes them), so the
 * {@code alignstream.health.*} keys and the pass-through of consumer keys are exercised too.
 *
 * <p>Each cycle waits for the group to drop the dead thread's consumer: a stream thread's consumer
 * does not leave the group when it closes, so the replacement gets the task only once the old
 * member's session has timed out. With the consumer's default {@code session.timeout.ms} (45 s) a
 * cycle took about 43 s; with {@value #SESSION_TIMEOUT_MS} ms (the broker's minimum) it takes 6 s
 * (measured: failures 6.0 s apart, /health 503 12.6 s after the poison record was sent, the
 * whole test about 30 s), so {@value #TASK_FAILURES_MAX} failures fit well within {@link #PATIENCE}.
 */
// Bounded: start (up to PATIENCE), the loop (up to PATIENCE) and close (30 s), with room.
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CrashLoopIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POISON = "poison";
    /** Failures of one task that make a crash loop here: few, so the test is short. */
    private static final int TASK_FAILURES_MAX = 3;
    /** Long enough for every failure of this test to count. */
    private static final Duration WINDOW = Duration.ofMinutes(5);
    /**
     * The consumer's session timeout: the broker's minimum ({@code group.min.session.timeout.ms}),
     * so the group drops a dead thread's member in seconds instead of Kafka's default 45 s.
     */
    static final int SESSION_TIMEOUT_MS = 6000;
    /** How long the crash loop may take to turn /health 503: the first failure at once, then one per session timeout, and room. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path stateDir;

    @Test
    void aRecordThatFailsEveryTimeTurnsHealth503NamingItsTaskAndTheCounterShowsTheReplacements() throws Exception {
        // given a topology whose processor throws on one poison record, every time it reads it,
        // run as the service runs it (exactly-once), with the service's handler behind /health
        String input = "crash-loop-it-in";
        String output = "crash-loop-it-out";
        PLATFORM.kafka().createTopics(new NewTopic(input, 1, (short) 1), new NewTopic(output, 1, (short) 1));
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input).peek((key, value) -> {
            if (POISON.equals(value)) {
                throw new IllegalStateException("cannot process record " + key);
            }
        }).to(output);
        AlignstreamConfig config = config();
        assertThat(config.livenessSettings())
                .isEqualTo(new LivenessSettings(TASK_FAILURES_MAX, 2 * TASK_FAILURES_MAX, WINDOW));
        PrometheusRegistry registry = new PrometheusRegistry();
        CrashLoopDetector detector = new CrashLoopDetector(config.livenessSettings(), registry);
        KafkaStreams streams = new KafkaStreams(builder.build(), config.streamsProperties());
        streams.setUncaughtExceptionHandler(detector);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, streams::state, detector::liveness)) {
            streams.start();
            assertThat(AlignstreamApp.awaitRunning(streams, PATIENCE)).as("Kafka Streams running").isTrue();
            // and a healthy app answers 200, live
            HttpResponse<String> healthy = get(server, "/health");
            assertThat(healthy.statusCode()).as("/health while healthy: %s", healthy.body()).isEqualTo(200);
            assertThat(JSON.readTree(healthy.body()).get("status").asText()).isEqualTo("UP");
            assertThat(sample(get(server, "/metrics").body(), "alignstream_live")).isEqualTo(1.0);

            // when a good record, then the poison record, arrive
            long sent = System.nanoTime();
            produce(input, Map.of("good-1", "fine"));
            produce(input, Map.of("poison-1", POISON));

            // then /health turns 503 within the patience, naming the task, the count and the failure
            HttpResponse<String> health = awaitHealth(server, 503);
            double seconds = (System.nanoTime() - sent) / 1e9;
            System.out.printf("crash loop: /health 503 after %.1f s; body %s%n", seconds, health.body());
            assertThat(health.statusCode()).as("/health after %s; last body %s", PATIENCE, health.body()).isEqualTo(503);
            JsonNode body = JSON.readTree(health.body());
            assertThat(body.get("status").asText()).isEqualTo("DOWN");
            assertThat(body.get("task").asText()).isEqualTo("0_0");
            assertThat(body.get("failures").asInt()).isEqualTo(TASK_FAILURES_MAX);
            assertThat(body.get("reason").asText()).contains("task 0_0 failed " + TASK_FAILURES_MAX + " times");
            assertThat(body.get("lastFailure").get("description").asText())
                    .contains("IllegalStateException: cannot process record poison-1")
                    .hasSizeLessThanOrEqualTo(CrashLoopDetector.MAX_DESCRIPTION_CHARS);
            // and the counters show each replacement, all of that task; the gauge is 0
            String metrics = get(server, "/metrics").body();
            assertThat(sample(metrics, "alignstream_stream_thread_replacements_total")).isGreaterThanOrEqualTo(TASK_FAILURES_MAX);
            assertThat(sample(metrics, "alignstream_task_failures_total{task=\"0_0\"}")).isGreaterThanOrEqualTo(TASK_FAILURES_MAX);
            assertThat(sample(metrics, "alignstream_live")).isZero();
            // and Kafka Streams itself still looks alive: the state alone would have said UP
            assertThat(streams.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
    }

    /**
     * The service's configuration as an operator would write it: the health keys, and Kafka keys
     * passed through to Kafka Streams and its consumer (a short session, frequent heartbeats);
     * the processing guarantee is the service's default (exactly-once).
     */
    private AlignstreamConfig config() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, "crash-loop-it-" + UUID.randomUUID());
        settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        settings.put("schema.registry.url", PLATFORM.registryUrl());
        settings.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        settings.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        settings.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS));
        settings.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        settings.put(AlignstreamConfig.HEALTH_TASK_FAILURES_MAX_CONFIG, Integer.toString(TASK_FAILURES_MAX));
        settings.put(AlignstreamConfig.HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG, Integer.toString(2 * TASK_FAILURES_MAX));
        settings.put(AlignstreamConfig.HEALTH_FAILURE_WINDOW_MS_CONFIG, Long.toString(WINDOW.toMillis()));
        return ConfigSources.load(Optional.empty(), Map.of(), settings);
    }

    private static void produce(String topic, Map<String, String> records) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            records.forEach((key, value) -> producer.send(new ProducerRecord<>(topic, key, value)));
            producer.flush();
        }
    }

    private HttpResponse<String> awaitHealth(MetricsServer server, int status) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        HttpResponse<String> last = get(server, "/health");
        while (last.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = get(server, "/health");
        }
        return last;
    }

    private HttpResponse<String> get(MetricsServer server, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.baseUri().resolve(path)).timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample line that starts with exactly {@code series} in a text-format scrape. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in the scrape"));
    }
}

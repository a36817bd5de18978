package io.alignstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.schemas.EventTopic;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.testing.PublishedOutput;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service on a real KRaft broker and the embedded registry: topics created, events
 * in, embeddings out under exactly-once (read_committed), a bad record dead-lettered,
 * /metrics and /health served, and the reference reset served only with the admin token.
 */
class AlignstreamAppIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final String ADMIN_TOKEN = "it-admin-token-9a8b7c6d5e4f";

    @TempDir
    Path state;

    @Test
    void scenesInEmbeddingsOutExactlyOnceWithDeadLettersAndMetrics() throws Exception {
        // given the service started on the embedded platform with its defaults (exactly_once_v2)
        Map<String, String> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", PLATFORM.bootstrapServers());
        overrides.put("schema.registry.url", PLATFORM.registryUrl());
        overrides.put("state.dir", state.toString());
        overrides.put("application.id", "alignstream-it");
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "2");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "0");
        overrides.put(AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1");
        overrides.put(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG, ADMIN_TOKEN);
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(5), Split.TEST);
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();

            // when 20 scenes (captions before images for half of them) and one undeserialisable record are produced
            Set<String> expectedPairs = new HashSet<>();
            try (EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
                for (int i = 0; i < 20; i++) {
                    SceneEvents scene = events.scene(i, Instant.now());
                    for (CaptionEvent caption : scene.captions()) {
                        expectedPairs.add(caption.getImageId() + "/" + caption.getCaptionId());
                    }
                    producer.send(scene.image(), scene.captions(),
                            i % 2 == 0 ? EventProducer.Order.IMAGE_FIRST : EventProducer.Order.CAPTIONS_FIRST);
                }
                producer.sendRaw(EventTopic.IMAGES, null, "garbage".getBytes(StandardCharsets.UTF_8));
                producer.flush();
            }

            // then a read_committed consumer sees one TEVI record per pair, one AlignVLM record per image, one dead letter
            List<Object> tevi = readCommitted(config.topicNames().tevi(), expectedPairs.size());
            assertThat(tevi).hasSize(expectedPairs.size());
            assertThat(tevi.stream().map(TeviEmbedding.class::cast).map(t -> t.getImageId() + "/" + t.getCaptionId())
                    .collect(java.util.stream.Collectors.toSet())).isEqualTo(expectedPairs);
            assertThat(readCommitted(config.topicNames().alignVlm(), 20)).hasSize(20)
                    .allSatisfy(a -> assertThat(((AlignVlmEmbedding) a).getTopWords()).isNotEmpty());
            assertThat(readCommitted(config.topicNames().deadLetters(), 1)).singleElement()
                    .satisfies(d -> assertThat(((DeadLetter) d).getReason()).isEqualTo(DeadLetterReason.DESERIALIZATION_FAILED));

            // and health is UP and /metrics counts what happened
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + app.httpPort());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
            String metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("alignstream_events_out_total{topic=\"" + config.topicNames().tevi() + "\"} "
                    + expectedPairs.size() + ".0");
            assertThat(metrics).contains("alignstream_dead_letters_total{reason=\"DESERIALIZATION_FAILED\"");
            assertThat(metrics).contains("alignstream_inference_duration_seconds_bucket{stage=\"VISION\"");
            assertThat(metrics).contains("kafka_streams_");

            // and the reference reset is served only to the admin token, and not to a page of another origin
            URI reset = base.resolve(AlignstreamApp.REFERENCE_RESET_PATH);
            assertThat(post(http, reset).statusCode()).isEqualTo(401);
            assertThat(post(http, reset, "Authorization", "Bearer " + ADMIN_TOKEN, "Origin", "http://evil.example")
                    .statusCode()).isEqualTo(403);
            HttpResponse<String> accepted = post(http, reset, "Authorization", "Bearer " + ADMIN_TOKEN);
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.body()).contains("drift reference");
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> connection() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
    }

    private static Map<String, Object> registry() {
        return Map.of("schema.registry.url", PLATFORM.registryUrl());
    }

    private static List<Object> readCommitted(String topic, int expected) {
        return PublishedOutput.readCommitted(connection(), registry(), topic, expected, Duration.ofSeconds(90));
    }
}

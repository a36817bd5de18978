package io.alignstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service on a real KRaft broker and the embedded registry: topics created, events
 * in, embeddings out under exactly-once (read_committed), a bad record dead-lettered, and
 * /metrics and /health served.
 */
class AlignstreamAppIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

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
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(5), Split.TEST);
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();

            // when 20 scenes (captions before images for half of them) and one undeserialisable record are produced
            Set<String> expectedPairs = new HashSet<>();
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                KafkaAvroSerializer serializer = new KafkaAvroSerializer();
                serializer.configure(Map.of("schema.registry.url", PLATFORM.registryUrl()), false);
                for (int i = 0; i < 20; i++) {
                    SceneEvents scene = events.scene(i, Instant.now());
                    byte[] imageKey = scene.image().getImageId().getBytes(StandardCharsets.UTF_8);
                    if (i % 2 == 0) {
                        producer.send(new ProducerRecord<>(config.topicNames().images(), imageKey,
                                serializer.serialize(config.topicNames().images(), scene.image())));
                    }
                    for (CaptionEvent caption : scene.captions()) {
                        expectedPairs.add(caption.getImageId() + "/" + caption.getCaptionId());
                        producer.send(new ProducerRecord<>(config.topicNames().captions(), imageKey,
                                serializer.serialize(config.topicNames().captions(), caption)));
                    }
                    if (i % 2 == 1) {
                        producer.send(new ProducerRecord<>(config.topicNames().images(), imageKey,
                                serializer.serialize(config.topicNames().images(), scene.image())));
                    }
                }
                producer.send(new ProducerRecord<>(config.topicNames().images(), null, "garbage".getBytes(StandardCharsets.UTF_8)));
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
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static List<Object> readCommitted(String topic, int expected) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + topic + "-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaAvroDeserializer values = new KafkaAvroDeserializer();
        values.configure(Map.of("schema.registry.url", PLATFORM.registryUrl(), "specific.avro.reader", true), false);
        List<Object> out = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(record.value());
                }
                if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // catch any extra (duplicate) record
                }
            }
        }
        return out;
    }
}

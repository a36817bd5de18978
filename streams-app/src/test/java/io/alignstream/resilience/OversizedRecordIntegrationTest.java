package io.alignstream.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.testing.PublishedOutput;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: one caption too large for the service to write (it reached the input gzip-compressed,
 * so the broker took it) used to kill the stream thread on its repartition write, over and over,
 * and nothing after it was published. Now it is one OVER_LIMIT dead letter and the rest goes on.
 */
class OversizedRecordIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    /** The service's producer limit, passed as ordinary configuration. */
    private static final int SERVICE_MAX_REQUEST_SIZE = 256 * 1024;
    private static final int SCENES = 10;

    @TempDir
    Path state;

    @Test
    @Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
    void anOversizedCaptionIsOneDeadLetterAndTheTenScenesAfterItArePublished() throws Exception {
        // given the service (exactly_once_v2) whose producer writes records of at most 256 KiB
        Map<String, String> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", PLATFORM.bootstrapServers());
        overrides.put("schema.registry.url", PLATFORM.registryUrl());
        overrides.put("state.dir", state.toString());
        overrides.put("application.id", "alignstream-oversized-it");
        overrides.put("producer.max.request.size", Integer.toString(SERVICE_MAX_REQUEST_SIZE));
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "2");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "-1");
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(14), Split.TEST);
        List<SceneEvents> scenes = new ArrayList<>();
        for (int i = 0; i < SCENES; i++) {
            scenes.add(events.scene(i, Instant.now()));
        }
        // a 1.2 MB caption of the first scene: gzip makes it small for the broker, not for the service
        CaptionEvent first = scenes.get(0).captions().get(0);
        CaptionEvent oversized = CaptionEvent.newBuilder(first).setCaptionId(first.getCaptionId() + "-oversized")
                .setText((first.getText() + " ").repeat(1_200_000 / (first.getText().length() + 1) + 1)).build();
        int oversizedBytes = oversized.getText().getBytes(StandardCharsets.UTF_8).length;
        assertThat(oversizedBytes).isGreaterThan(1_200_000);

        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();

            // when the oversized caption arrives first, then 10 good scenes
            Map<String, Object> bigProducer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
            try (EventProducer producer = EventProducer.builder(bigProducer, registry(), config.topicNames()).build()) {
                producer.sendCaption(oversized);
                producer.flush();
            }
            Set<String> expectedPairs = new HashSet<>();
            try (EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
                for (SceneEvents scene : scenes) {
                    scene.captions().forEach(caption -> expectedPairs.add(caption.getImageId() + "/" + caption.getCaptionId()));
                    producer.send(scene.image(), scene.captions());
                }
                producer.flush();
            }

            // then every scene's TEVI and AlignVLM records are out, exactly once
            List<Object> tevi = readCommitted(config.topicNames().tevi(), expectedPairs.size());
            assertThat(tevi.stream().map(TeviEmbedding.class::cast).map(t -> t.getImageId() + "/" + t.getCaptionId())
                    .toList()).hasSize(expectedPairs.size()).containsExactlyInAnyOrderElementsOf(expectedPairs);
            assertThat(readCommitted(config.topicNames().alignVlm(), SCENES).stream().map(AlignVlmEmbedding.class::cast)
                    .map(AlignVlmEmbedding::getImageId).collect(Collectors.toSet()))
                    .hasSize(SCENES);
            // and exactly one dead letter: OVER_LIMIT for the oversized caption, naming its size, payload cut
            assertThat(readCommitted(config.topicNames().deadLetters(), 1)).singleElement().satisfies(d -> {
                DeadLetter letter = (DeadLetter) d;
                assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
                assertThat(letter.getSourceTopic()).isEqualTo(config.topicNames().captions());
                assertThat(letter.getMessage()).containsPattern("is \\d{7} bytes")
                        .contains("producer max.request.size " + SERVICE_MAX_REQUEST_SIZE)
                        .contains("payload cut to its first " + config.deadLetterMaxPayloadBytes() + " of ");
                assertThat(letter.getPayload().remaining()).isEqualTo(config.deadLetterMaxPayloadBytes());
            });
            // and the service is still running
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    private static Map<String, Object> connection() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
    }

    private static Map<String, Object> registry() {
        return Map.of("schema.registry.url", PLATFORM.registryUrl());
    }

    private static List<Object> readCommitted(String topic, int expected) {
        return PublishedOutput.readCommitted(connection(), registry(), topic, expected, Duration.ofSeconds(60));
    }
}

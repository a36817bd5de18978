package io.alignstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.app.topics.TopicProvisioningException;
import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.clients.produce.ProduceException;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service against a broker whose one client listener requires SASL/PLAIN (the embedded
 * broker with a user), with the login given as ordinary configuration: {@code
 * security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config} pass through to Kafka
 * Streams and its clients. The producer and the reader get the same keys, as a producing team and
 * a downstream consumer would. One broker and registry for the class.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SaslBrokerIntegrationTest {

    private static final String USER = "alignstream";
    private static final String PASSWORD = "alignstream-secret";
    private static final int SCENES = 4;

    private static EmbeddedKafkaBroker kafka;
    private static EmbeddedSchemaRegistry registry;

    @TempDir
    Path state;

    @BeforeAll
    static void startBrokerThatRequiresSaslAndRegistry() {
        kafka = EmbeddedKafkaBroker.builder().saslPlainUser(USER, PASSWORD).start();
        // The registry keeps its schemas in a topic of that broker, so it logs in as well.
        registry = EmbeddedSchemaRegistry.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .kafkaClientSettings(login(PASSWORD))
                .start();
    }

    @AfterAll
    static void stopPlatform() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void withTheLoginAsConfigurationScenesGoInAndEveryEmbeddingComesOut() throws Exception {
        // given the service configured with the login as pass-through keys, and running
        AlignstreamConfig config = serviceConfig(PASSWORD);
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(5), Split.TEST);
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();

            // when a few scenes are produced with the same login
            Set<String> expectedPairs = new HashSet<>();
            try (EventProducer producer = EventProducer.builder(client(PASSWORD), serde(),
                    config.topicNames()).build()) {
                for (int i = 0; i < SCENES; i++) {
                    SceneEvents scene = events.scene(i, Instant.now());
                    for (CaptionEvent caption : scene.captions()) {
                        expectedPairs.add(caption.getImageId() + "/" + caption.getCaptionId());
                    }
                    producer.send(scene.image(), scene.captions());
                }
                producer.flush();
            }

            // then a reader with the login sees exactly one TEVI record per image and caption,
            // one AlignVLM record per image, and no dead letter
            List<Object> tevi = readCommitted(config.topicNames().tevi(), expectedPairs.size());
            assertThat(tevi.stream().map(TeviEmbedding.class::cast)
                    .map(t -> t.getImageId() + "/" + t.getCaptionId()).collect(Collectors.toList()))
                    .hasSize(expectedPairs.size())
                    .containsExactlyInAnyOrderElementsOf(expectedPairs);
            assertThat(readCommitted(config.topicNames().alignVlm(), SCENES)).hasSize(SCENES)
                    .allSatisfy(a -> assertThat(a).isInstanceOf(AlignVlmEmbedding.class));
            assertThat(readCommitted(config.topicNames().deadLetters(), 0)).isEmpty();
        }
    }

    @Test
    void withAWrongPasswordTheServiceDoesNotStartAndAProducerIsRefused() {
        // given the same configuration with a wrong password
        AlignstreamConfig config = serviceConfig("wrong-password");

        // when the service starts, then it stops at its first request to the cluster, with the
        // broker's refusal as the cause
        assertThatThrownBy(() -> AlignstreamApp.start(config).close())
                .isInstanceOf(TopicProvisioningException.class)
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);

        // and when a producer with that password sends a scene, then the send is refused
        SceneEvents scene = new SyntheticEventFactory(new SyntheticWorld(5), Split.TEST)
                .scene(0, Instant.now());
        try (EventProducer producer = EventProducer.builder(client("wrong-password"), serde(),
                config.topicNames()).build()) {
            assertThatThrownBy(() -> {
                producer.send(scene.image(), scene.captions());
                producer.flush();
            }).isInstanceOf(ProduceException.class)
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    // ----------------------------------------------------------------------------------------

    /** The three keys a deployment sets for a SASL/PLAIN cluster, with the given password. */
    private static Map<String, String> login(String password) {
        return Map.of(
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\"" + USER + "\" password=\"" + password + "\";");
    }

    private AlignstreamConfig serviceConfig(String password) {
        Map<String, String> overrides = new HashMap<>(login(password));
        overrides.put("bootstrap.servers", kafka.bootstrapServers());
        overrides.put("schema.registry.url", registry.url());
        overrides.put("state.dir", state.toString());
        overrides.put("application.id", "alignstream-sasl-it");
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "1");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "-1");
        return ConfigSources.load(Optional.empty(), Map.of(), overrides);
    }

    /** The producer's and reader's client settings: the broker's address and the login. */
    private static Map<String, Object> client(String password) {
        Map<String, Object> client = new HashMap<>(login(password));
        client.put("bootstrap.servers", kafka.bootstrapServers());
        // A refused login fails a send within this, not the default minute.
        client.put("max.block.ms", 20_000);
        return client;
    }

    private static Map<String, Object> serde() {
        return Map.of("schema.registry.url", registry.url());
    }

    /**
     * What the service committed to {@code topic}: records until {@code expected} arrived (or
     * 90 s passed), then the rest up to the end, so an extra (duplicate) record shows.
     */
    private static List<Object> readCommitted(String topic, int expected) {
        List<Object> out = new ArrayList<>();
        try (OutputReader reader = OutputReader.builder(client(PASSWORD), serde()).topics(topic)
                .fromBeginning(true).open()) {
            if (expected > 0) {
                reader.read(Until.timeout(Duration.ofSeconds(90)).orMaxRecords(expected),
                        record -> out.add(record.value()));
            }
            reader.read(Until.end().orTimeout(Duration.ofSeconds(30)),
                    record -> out.add(record.value()));
        }
        return out;
    }
}

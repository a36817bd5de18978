package io.alignstream.clients.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.events.CaptionEvent;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.schemas.EventTopic;
import io.alignstream.schemas.TopicNames;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one event producer against Kafka's MockProducer and an in-memory registry, with real synthetic scenes. */
class EventProducerTest {
    private static final Map<String, Object> REGISTRY = Map.of("schema.registry.url", "mock://event-producer-test");
    private static final TopicNames TOPICS = new TopicNames("team.images", "team.captions", "t", "a", "d", "q");

    private final SyntheticEventFactory world = new SyntheticEventFactory(new SyntheticWorld(7), Split.TEST);
    private final MockProducer<byte[], byte[]> kafka =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();

    EventProducerTest() {
        decoder.configure(Map.of("schema.registry.url", "mock://event-producer-test", "specific.avro.reader", true), false);
    }

    @AfterEach
    void closeDecoder() {
        decoder.close();
    }

    private EventProducer producer() {
        return EventProducer.builder(Map.of("bootstrap.servers", "unused:9092"), REGISTRY, TOPICS).build(config -> kafka);
    }

    @Test
    void sendsTheImageBeforeItsCaptionsKeyedByImageIdInTheWireFormat() {
        // given a synthetic scene: one image and its captions
        SceneEvents scene = world.scene(0, Instant.parse("2026-01-02T03:04:05Z"));

        // when it is sent in the default order
        try (EventProducer producer = producer()) {
            producer.send(scene.image(), scene.captions());
            producer.flush();
        }

        // then the image goes first to the configured image topic, then each caption, all keyed by the image id,
        // and every value decodes back to the event that was sent
        List<ProducerRecord<byte[], byte[]>> sent = kafka.history();
        assertThat(sent).hasSize(1 + scene.captions().size());
        assertThat(sent).extracting(ProducerRecord::topic).first().isEqualTo("team.images");
        assertThat(sent.subList(1, sent.size())).extracting(ProducerRecord::topic).containsOnly("team.captions");
        assertThat(sent).allSatisfy(record -> assertThat(new String(record.key(), StandardCharsets.UTF_8))
                .isEqualTo(scene.image().getImageId()));
        assertThat(decoder.deserialize("team.images", sent.get(0).value())).isEqualTo(scene.image());
        for (int i = 0; i < scene.captions().size(); i++) {
            assertThat(decoder.deserialize("team.captions", sent.get(1 + i).value())).isEqualTo(scene.captions().get(i));
        }
    }

    @Test
    void captionsFirstSendsTheImageAfterItsCaptions() {
        // given a synthetic scene
        SceneEvents scene = world.scene(1, Instant.now());

        // when it is sent captions first
        try (EventProducer producer = producer()) {
            producer.send(scene.image(), scene.captions(), EventProducer.Order.CAPTIONS_FIRST);
        }

        // then every caption precedes the image
        List<ProducerRecord<byte[], byte[]>> sent = kafka.history();
        assertThat(sent).extracting(ProducerRecord::topic).last().isEqualTo("team.images");
        assertThat(sent.subList(0, sent.size() - 1)).extracting(ProducerRecord::topic).containsOnly("team.captions")
                .hasSize(scene.captions().size());
    }

    @Test
    void refusesACaptionThatNamesAnotherImage() {
        // given a caption of scene 3 put with the image of scene 2
        SceneEvents two = world.scene(2, Instant.now());
        CaptionEvent stray = world.scene(3, Instant.now()).captions().get(0);

        // when they are sent together, then nothing goes and the caption is named
        try (EventProducer producer = producer()) {
            assertThatThrownBy(() -> producer.send(two.image(), List.of(stray)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(stray.getCaptionId());
        }
        assertThat(kafka.history()).isEmpty();
    }

    @Test
    void rawBytesGoUnchangedToTheConfiguredTopicAndCount() {
        // given bytes that are not Avro
        byte[] garbage = "not an Avro record".getBytes(StandardCharsets.UTF_8);

        // when they are sent raw as an image record without a key
        long bytes;
        try (EventProducer producer = producer()) {
            producer.sendRaw(EventTopic.IMAGES, null, garbage);
            bytes = producer.bytesSent();
        }

        // then exactly those bytes are on the configured image topic
        assertThat(kafka.history()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo("team.images");
            assertThat(record.key()).isNull();
            assertThat(record.value()).isEqualTo(garbage);
        });
        assertThat(bytes).isEqualTo(garbage.length);
    }

    @Test
    void aRefusedRecordFailsTheFlushAndEverySendAfterIt() {
        // given a broker that acknowledges nothing by itself
        MockProducer<byte[], byte[]> manual = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        SceneEvents scene = world.scene(4, Instant.now());
        try (EventProducer producer = EventProducer.builder(Map.of(), REGISTRY, TOPICS).build(config -> manual)) {
            // when the first record of a scene is refused
            producer.sendImage(scene.image());
            manual.errorNext(new NotEnoughReplicasException("only 1 in sync"));

            // then flush says so, and so does the next send
            assertThatThrownBy(producer::flush).isInstanceOf(ProduceException.class)
                    .hasMessageContaining("Kafka refused a record").hasMessageContaining("only 1 in sync");
            assertThatThrownBy(() -> producer.sendCaption(scene.captions().get(0))).isInstanceOf(ProduceException.class);
        }
        assertThat(manual.history()).hasSize(1);
    }

    @Test
    void idempotenceAndAcksAllAreForcedAndAGivenClientIdWins() {
        // given client settings that ask for less
        Map<String, Object> weaker = Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.CLIENT_ID_CONFIG, "team-producer", ProducerConfig.LINGER_MS_CONFIG, 5);

        // when the producer's settings are made, with and without a client id of the settings' own
        Map<String, Object> config = EventProducer.builder(weaker, REGISTRY, TOPICS).clientId("alignstream-produce")
                .producerConfig();
        Map<String, Object> plain = EventProducer.builder(Map.of(), REGISTRY, TOPICS).clientId("alignstream-produce")
                .producerConfig();

        // then idempotence and acks=all hold regardless, the rest is kept, and the client id is a default only
        assertThat(config).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all").containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "team-producer");
        assertThat(plain).containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "alignstream-produce");
    }
}

package io.alignstream.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Outcome;
import io.alignstream.clients.consume.OutputReader.Reason;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.clients.consume.PublishedRecord;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.schemas.EventTopic;
import io.alignstream.schemas.TopicNames;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The one producer and the one reader against a real KRaft broker and the embedded registry:
 * synthetic scenes in, read back decoded; a group resuming; aborted transactions invisible.
 */
class ClientsIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final SyntheticEventFactory world = new SyntheticEventFactory(new SyntheticWorld(21), Split.TEST);

    private Map<String, Object> connection() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
    }

    private Map<String, Object> registry() {
        return Map.of("schema.registry.url", PLATFORM.registryUrl());
    }

    /** Input topics of their own, one partition each (so a topic's order is the order sent). */
    private TopicNames freshTopics() {
        int n = SEQUENCE.incrementAndGet();
        TopicNames defaults = TopicNames.defaults();
        TopicNames topics = new TopicNames("it-images-" + n, "it-captions-" + n, defaults.tevi(), defaults.alignVlm(),
                defaults.deadLetters(), defaults.retrievalQuality());
        PLATFORM.kafka().createTopics(new NewTopic(topics.images(), 1, (short) 1), new NewTopic(topics.captions(), 1, (short) 1));
        return topics;
    }

    private List<SceneEvents> scenes(int count) {
        List<SceneEvents> scenes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            scenes.add(world.scene(i, Instant.parse("2026-01-02T03:04:05Z").plusSeconds(i)));
        }
        return scenes;
    }

    @Test
    void scenesAndABadRecordSentAreReadBackDecodedKeyedAndInOrder() {
        // given three synthetic scenes, the second sent captions first, then a record that is not Avro
        TopicNames topics = freshTopics();
        List<SceneEvents> scenes = scenes(3);
        try (EventProducer producer = EventProducer.builder(connection(), registry(), topics).build()) {
            producer.send(scenes.get(0).image(), scenes.get(0).captions());
            producer.send(scenes.get(1).image(), scenes.get(1).captions(), EventProducer.Order.CAPTIONS_FIRST);
            producer.send(scenes.get(2).image(), scenes.get(2).captions());
            producer.sendRaw(EventTopic.IMAGES, null, "not Avro".getBytes(StandardCharsets.UTF_8));
            producer.flush();
        }

        // when both topics are read from the beginning
        List<PublishedRecord> images = new ArrayList<>();
        List<PublishedRecord> captions = new ArrayList<>();
        try (OutputReader reader = OutputReader.builder(connection(), registry()).topics(topics.images(), topics.captions())
                .fromBeginning(true).open()) {
            reader.read(Until.timeout(PATIENCE), record -> {
                (record.topic().equals(topics.images()) ? images : captions).add(record);
                return images.size() < 4 || captions.size() < 15;
            });

            // then each image and caption arrived once, in the order sent, keyed by the image id, decoded as sent
            List<ImageEvent> sentImages = scenes.stream().map(SceneEvents::image).toList();
            List<CaptionEvent> sentCaptions = scenes.stream().flatMap(s -> s.captions().stream()).toList();
            assertThat(images.subList(0, 3)).extracting(PublishedRecord::value).containsExactlyElementsOf(sentImages);
            assertThat(captions).extracting(PublishedRecord::value).containsExactlyElementsOf(sentCaptions);
            assertThat(captions).allSatisfy(r -> assertThat(r.key()).isEqualTo(((CaptionEvent) r.value()).getImageId()));
            assertThat(images.subList(0, 3)).extracting(PublishedRecord::key)
                    .containsExactlyElementsOf(sentImages.stream().map(ImageEvent::getImageId).toList());
            // and the bad record is there, as sent, and says where it is when decoded
            PublishedRecord bad = images.get(3);
            assertThat(bad.key()).isNull();
            assertThatThrownBy(bad::value).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Cannot read record " + topics.images() + "-0@3");
        }
    }

    @Test
    void aGroupResumesWhereItsLastReadStopped() {
        // given two scenes' captions on a topic
        TopicNames topics = freshTopics();
        List<SceneEvents> scenes = scenes(2);
        try (EventProducer producer = EventProducer.builder(connection(), registry(), topics).build()) {
            scenes.forEach(s -> producer.send(s.image(), s.captions()));
            producer.flush();
        }
        List<Object> first = new ArrayList<>();
        List<Object> rest = new ArrayList<>();

        // when a group reads four and closes, and reads again later
        OutputReader.Builder group = OutputReader.builder(connection(), registry()).topics(topics.captions())
                .fromBeginning(true).group("it-group-" + SEQUENCE.incrementAndGet());
        try (OutputReader reader = group.open()) {
            assertThat(reader.read(Until.timeout(PATIENCE).orMaxRecords(4), r -> first.add(r.value())).reason())
                    .isEqualTo(Reason.MAX_RECORDS);
        }
        try (OutputReader reader = group.open()) {
            reader.read(Until.timeout(PATIENCE), r -> rest.add(r.value()) && rest.size() < 6);
        }

        // then the second read started right after the fourth caption
        List<CaptionEvent> sent = scenes.stream().flatMap(s -> s.captions().stream()).toList();
        assertThat(first).containsExactlyElementsOf(sent.subList(0, 4));
        assertThat(rest).containsExactlyElementsOf(sent.subList(4, 10));
    }

    @Test
    void recordsOfAnAbortedTransactionAreInvisibleUnlessAnAuditAsksForThem() throws Exception {
        // given a topic with two records of an aborted transaction, then one of a committed one
        TopicNames topics = freshTopics();
        List<CaptionEvent> captions = scenes(1).get(0).captions();
        byte[][] values = new byte[3][];
        try (io.alignstream.registry.serde.KafkaAvroSerializer serializer = new io.alignstream.registry.serde.KafkaAvroSerializer()) {
            serializer.configure(registry(), false);
            for (int i = 0; i < 3; i++) {
                values[i] = serializer.serialize(topics.captions(), captions.get(i));
            }
        }
        Map<String, Object> transactional = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-tx-" + SEQUENCE.incrementAndGet());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(transactional, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topics.captions(), values[0]));
            producer.send(new ProducerRecord<>(topics.captions(), values[1]));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topics.captions(), values[2]));
            producer.commitTransaction();
        }

        // when it is read to its end, as a downstream reader and as an audit of aborted records
        List<Object> committed = new ArrayList<>();
        Outcome audit;
        try (OutputReader reader = OutputReader.builder(connection(), registry()).topics(topics.captions())
                .fromBeginning(true).open()) {
            assertThat(reader.read(Until.end().orTimeout(PATIENCE), r -> committed.add(r.value())).reason())
                    .isEqualTo(Reason.END);
        }
        try (OutputReader reader = OutputReader.builder(connection(), registry()).topics(topics.captions())
                .fromBeginning(true).includeAborted().open()) {
            audit = reader.read(Until.end().orTimeout(PATIENCE), r -> true);
        }

        // then the reader saw the committed record only; the audit all three
        assertThat(committed).containsExactly(captions.get(2));
        assertThat(audit).isEqualTo(new Outcome(3, Reason.END));
    }
}

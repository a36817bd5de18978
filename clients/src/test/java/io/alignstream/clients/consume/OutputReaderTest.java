package io.alignstream.clients.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.clients.consume.OutputReader.Outcome;
import io.alignstream.clients.consume.OutputReader.Reason;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.events.CaptionEvent;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one reader against Kafka's MockConsumer: records of a real topic (synthetic-world
 * captions in the wire format, an in-memory registry) handed on in order, decoded on demand,
 * and the ways a read ends.
 */
class OutputReaderTest {
    private static final Map<String, Object> REGISTRY = Map.of("schema.registry.url", "mock://output-reader-test");
    private static final String TOPIC = "published";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockConsumer<String, byte[]> kafka = new MockConsumer<>("earliest");
    private final KafkaAvroSerializer encoder = new KafkaAvroSerializer();
    private final List<CaptionEvent> captions = new ArrayList<>();

    OutputReaderTest() {
        encoder.configure(REGISTRY, false);
        SyntheticEventFactory world = new SyntheticEventFactory(new SyntheticWorld(11), Split.TEST);
        for (int scene = 0; scene < 2; scene++) {
            captions.addAll(world.scene(scene, Instant.parse("2026-01-02T03:04:05Z")).captions());
        }
        kafka.updatePartitions(TOPIC, List.of(partition(0), partition(1)));
        kafka.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    @AfterEach
    void closeEncoder() {
        encoder.close();
    }

    private static PartitionInfo partition(int p) {
        return new PartitionInfo(TOPIC, p, Node.noNode(), new Node[0], new Node[0]);
    }

    private OutputReader.Builder reader() {
        return OutputReader.builder(Map.of("bootstrap.servers", "unused:9092"), REGISTRY).topics(TOPIC).fromBeginning(true);
    }

    /** Caption {@code i} at {@code offset} of partition {@code p}, keyed by its image id. */
    private void publish(int p, long offset, int i) {
        CaptionEvent caption = captions.get(i);
        kafka.addRecord(new ConsumerRecord<>(TOPIC, p, offset, caption.getImageId(), encoder.serialize(TOPIC, caption)));
    }

    @Test
    void handsOnEveryRecordOfEveryPartitionInOrderDecoded() {
        // given captions on both partitions of an existing topic
        try (OutputReader reader = reader().open(config -> kafka)) {
            publish(0, 0, 0);
            publish(0, 1, 1);
            publish(1, 0, 2);
            List<PublishedRecord> taken = new ArrayList<>();

            // when it is read until nothing new comes
            Outcome outcome = reader.read(Until.stopped().orIdle(Duration.ofMillis(200)), taken::add);

            // then each record came once, in its partition's order, with its key and its value decoded
            assertThat(outcome).isEqualTo(new Outcome(3, Reason.IDLE));
            assertThat(taken).extracting(PublishedRecord::toString)
                    .containsExactlyInAnyOrder("published-0@0", "published-0@1", "published-1@0");
            assertThat(taken.stream().filter(r -> r.partition() == 0).map(PublishedRecord::value))
                    .containsExactly(captions.get(0), captions.get(1));
            assertThat(taken).allSatisfy(r -> assertThat(r.key()).isEqualTo(((CaptionEvent) r.value()).getImageId()));
        }
    }

    @Test
    void aReadThatStopsAtItsMaximumLeavesTheRestForTheNextRead() {
        // given five captions on one partition
        try (OutputReader reader = reader().open(config -> kafka)) {
            for (int i = 0; i < 5; i++) {
                publish(0, i, i);
            }

            // when two are taken, then the read goes on
            List<Object> first = new ArrayList<>();
            List<Object> rest = new ArrayList<>();
            Outcome two = reader.read(Until.stopped().orMaxRecords(2), r -> first.add(r.value()));
            Outcome more = reader.read(Until.stopped().orIdle(Duration.ofMillis(200)), r -> rest.add(r.value()));

            // then the second read starts right after the first: none lost, none twice
            assertThat(two).isEqualTo(new Outcome(2, Reason.MAX_RECORDS));
            assertThat(more).isEqualTo(new Outcome(3, Reason.IDLE));
            assertThat(first).containsExactlyElementsOf(captions.subList(0, 2));
            assertThat(rest).containsExactlyElementsOf(captions.subList(2, 5));
        }
    }

    @Test
    void withAGroupItCommitsWhatTheHandlerTookAndNoMore() {
        // given a group reader whose partition arrives with three captions
        try (OutputReader reader = reader().group("indexer").open(config -> kafka)) {
            kafka.schedulePollTask(() -> {
                kafka.rebalance(List.of(P0));
                publish(0, 0, 0);
                publish(0, 1, 1);
                publish(0, 2, 2);
            });

            // when the handler stops after the second
            List<PublishedRecord> taken = new ArrayList<>();
            Outcome outcome = reader.read(Until.timeout(Duration.ofSeconds(10)), r -> taken.add(r) && taken.size() < 2);

            // then the group's offset is right after the second record
            assertThat(outcome).isEqualTo(new Outcome(2, Reason.HANDLER));
            assertThat(kafka.committed(Set.of(P0)).get(P0).offset()).isEqualTo(2);
        }
    }

    @Test
    void tombstonesAreSkippedByDefault() {
        // given a record, then a tombstone for its image (a delete), then another record
        try (OutputReader reader = reader().open(config -> kafka)) {
            publishWithTombstoneBetween();

            // when read, then only the two records come
            List<PublishedRecord> taken = new ArrayList<>();
            reader.read(Until.stopped().orIdle(Duration.ofMillis(200)), taken::add);
            assertThat(taken).extracting(PublishedRecord::toString).containsExactly("published-0@0", "published-0@2");
        }
    }

    @Test
    void tombstonesAskedForComeInTheirPlaceWithTheirKeyAndNoValue() {
        try (OutputReader reader = reader().includeTombstones().open(config -> kafka)) {
            String deleted = publishWithTombstoneBetween();

            List<PublishedRecord> taken = new ArrayList<>();
            reader.read(Until.stopped().orIdle(Duration.ofMillis(200)), taken::add);

            assertThat(taken).extracting(PublishedRecord::toString)
                    .containsExactly("published-0@0", "published-0@1", "published-0@2");
            assertThat(taken).extracting(PublishedRecord::isTombstone).containsExactly(false, true, false);
            assertThat(taken.get(1).key()).isEqualTo(deleted);
            assertThat(taken.get(1).value()).isNull();
        }
    }

    /** Caption 0, a tombstone keyed by its image id, caption 1; returns the deleted image id. */
    private String publishWithTombstoneBetween() {
        String deleted = captions.get(0).getImageId();
        publish(0, 0, 0);
        kafka.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, deleted, null));
        publish(0, 2, 1);
        return deleted;
    }

    @Test
    void aValueThatIsNotAvroIsNamedByItsCoordinatesWhenDecoded() {
        // given a record that is not in the wire format after a good one
        try (OutputReader reader = reader().open(config -> kafka)) {
            publish(0, 0, 0);
            kafka.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, null, "garbage".getBytes(StandardCharsets.UTF_8)));

            // when every record is decoded, then the read stops at the bad one, naming it
            assertThatThrownBy(() -> reader.read(Until.timeout(Duration.ofSeconds(10)), r -> r.value() != null))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("Cannot read record published-0@1: ");
        }
    }

    @Test
    void untilEndReadsWhatWasThereWhenTheReadBegan() {
        // given two captions on partition 0 and one on partition 1, their end offsets known
        try (OutputReader reader = reader().open(config -> kafka)) {
            publish(0, 0, 0);
            publish(0, 1, 1);
            publish(1, 0, 2);
            kafka.updateEndOffsets(Map.of(P0, 2L, P1, 1L));

            // when read to the end
            Outcome outcome = reader.read(Until.end().orTimeout(Duration.ofSeconds(10)), r -> true);

            // then all three were read and the read ended there
            assertThat(outcome).isEqualTo(new Outcome(3, Reason.END));
        }
    }

    @Test
    void stopEndsAReadThatWouldOtherwiseWaitForever() {
        // given a reader of a quiet topic, stopped by another party during a poll
        try (OutputReader reader = reader().open(config -> kafka)) {
            kafka.schedulePollTask(reader::stop);

            // when read with no other end, then it returns, stopped
            assertThat(reader.read(Until.stopped(), r -> true)).isEqualTo(new Outcome(0, Reason.STOPPED));
            // and every later read returns at once
            assertThat(reader.read(Until.stopped(), r -> true).reason()).isEqualTo(Reason.STOPPED);
        }
    }

    @Test
    void aTopicThatDoesNotExistIsRefusedByName() {
        assertThatThrownBy(() -> reader().topics("no-such-topic").open(config -> kafka))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Topic no-such-topic does not exist");
    }

    @Test
    void readsCommittedOnlyCommitsItselfAndNeverCreatesATopic() {
        // given client settings that would auto-commit and name a group
        Map<String, Object> asked = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true, ConsumerConfig.GROUP_ID_CONFIG, "stray",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);

        // when the settings of a reader without a group, and of an audit of aborted records, are made
        Map<String, Object> plain = OutputReader.builder(asked, REGISTRY).consumerConfig();
        Map<String, Object> audit = OutputReader.builder(asked, REGISTRY).includeAborted().consumerConfig();

        // then it reads committed records only, commits nothing by itself, creates no topic, and keeps the rest
        assertThat(plain).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)
                .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50)
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
        assertThat(audit).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    }
}

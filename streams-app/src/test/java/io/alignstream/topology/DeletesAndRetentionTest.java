package io.alignstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 8: an image tombstone (null value keyed by the image id) deletes what the service
 * keeps of the image and publishes tombstones for its outputs; stored embeddings and published
 * caption fingerprints are dropped once older, in event time, than the state retention.
 */
class DeletesAndRetentionTest {
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final TopologySettings SETTINGS = DefaultConfig.topologySettings().toBuilder()
            .batch(8, Duration.ofMillis(50)).captionGrace(Duration.ofSeconds(30))
            .stateRetentionMs(RETENTION.toMillis()).build();

    private static SceneEvents scene(int index, Instant eventTime) {
        return AlignstreamTopologyTest.EVENTS.scene(index, eventTime);
    }

    @Test
    void anImageThenItsTombstoneLeavesNoStateAndPublishesOneTombstoneOnEachOutputTopic() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a scene published in full
            SceneEvents scene = scene(0, TopologyHarness.START);
            String imageId = scene.image().getImageId();
            topology.send(scene.image());
            scene.captions().forEach(topology::send);
            topology.flushBatches();
            assertThat(topology.alignVlmRecords()).hasSize(1);
            assertThat(topology.teviRecords()).hasSize(scene.captions().size());

            // when a tombstone for its image arrives
            topology.deleteImage(imageId);

            // then the image's embedding, caption fingerprints and their index entries are gone
            assertNoStateFor(topology);
            // and one tombstone, keyed by the image id, on each output topic; no dead letter
            assertThat(topology.alignVlmRecords()).containsExactly(KeyValue.pair(imageId, null));
            assertThat(topology.teviRecords()).containsExactly(KeyValue.pair(imageId, null));
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void aTombstoneAfterItsImageInTheSameBatchWins() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given an image waiting in the buffer for its batch
            SceneEvents scene = scene(1, TopologyHarness.START);
            String imageId = scene.image().getImageId();
            topology.send(scene.image());

            // when its tombstone follows before the batch ran
            topology.deleteImage(imageId);
            topology.flushBatches();

            // then the image was embedded first and its tombstone published after it; nothing is kept
            List<KeyValue<String, Object>> align = topology.alignVlmRecords();
            assertThat(align).hasSize(2);
            assertThat(align.get(0).value).isInstanceOf(AlignVlmEmbedding.class);
            assertThat(align.get(1)).isEqualTo(KeyValue.pair(imageId, null));
            assertThat(topology.teviRecords()).containsExactly(KeyValue.pair(imageId, null));
            assertNoStateFor(topology);
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void anImageSentAgainAfterItsTombstoneIsEmbeddedAgain() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given an image published and then deleted
            SceneEvents scene = scene(2, TopologyHarness.START);
            topology.send(scene.image());
            topology.flushBatches();
            topology.deleteImage(scene.image().getImageId());
            topology.alignVlmRecords();

            // when the same image (same content) is sent again
            topology.send(scene.image());
            topology.flushBatches();

            // then it is not taken for a re-sent duplicate: embedded and published again, and stored
            assertThat(topology.alignVlm()).singleElement()
                    .satisfies(a -> assertThat(a.getImageId()).isEqualTo(scene.image().getImageId()));
            assertThat(topology.<String>storeKeys(StoreNames.IMAGE_EMBEDDINGS)).containsExactly(scene.image().getImageId());
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void captionsWaitingForADeletedImageAreDroppedNotDeadLettered() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given captions waiting for their image
            SceneEvents scene = scene(3, TopologyHarness.START);
            scene.captions().forEach(topology::send);
            topology.flushBatches();
            assertThat(topology.storeKeys(StoreNames.PENDING_CAPTIONS)).hasSize(scene.captions().size());

            // when the image is deleted and the grace period passes
            topology.deleteImage(scene.image().getImageId());
            topology.advance(SETTINGS.captionGrace().multipliedBy(2));

            // then nothing waits, no dead letter keeps the deleted image's captions, and tombstones went out
            assertThat(topology.storeKeys(StoreNames.PENDING_CAPTIONS)).isEmpty();
            assertThat(topology.deadLetters()).isEmpty();
            assertThat(topology.teviRecords()).containsExactly(KeyValue.pair(scene.image().getImageId(), null));
        }
    }

    @Test
    void aTombstoneForAnImageNeverSeenStillPublishesTombstones() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // when an image id this service never stored is deleted (downstream may hold it from before)
            String imageId = scene(4, TopologyHarness.START).image().getImageId();
            topology.deleteImage(imageId);

            // then the delete is idempotent: tombstones on both topics, no dead letter
            assertThat(topology.alignVlmRecords()).containsExactly(KeyValue.pair(imageId, null));
            assertThat(topology.teviRecords()).containsExactly(KeyValue.pair(imageId, null));
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void aTombstoneKeyedByAnAvroStringInTheWireFormatDeletesToo() throws Exception {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a stored image
            SceneEvents scene = scene(5, TopologyHarness.START);
            topology.send(scene.image());
            topology.flushBatches();
            topology.alignVlmRecords();

            // when its tombstone's key is what Confluent's legacy AvroProducer sends: magic 0, schema id, Avro string
            topology.sendRawImage(wireFormatString(scene.image().getImageId()), null);

            // then it is deleted like one keyed in UTF-8
            assertNoStateFor(topology);
            assertThat(topology.alignVlmRecords()).containsExactly(KeyValue.pair(scene.image().getImageId(), null));
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void tombstonesThatCannotBeDeletesAreInvalidEvents() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            SceneEvents scene = scene(6, TopologyHarness.START);
            // a caption tombstone (TEVI records are keyed by image id: one caption cannot be addressed)
            topology.sendRawCaption(scene.image().getImageId().getBytes(StandardCharsets.UTF_8), null);
            // an image tombstone without a key, and one whose key is over-long
            topology.sendRawImage(null, null);
            topology.sendRawImage("x".repeat(3000).getBytes(StandardCharsets.UTF_8), null);

            assertThat(topology.deadLetters()).hasSize(3).allSatisfy(letter ->
                    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_EVENT))
                    .extracting(letter -> letter.getMessage()).satisfiesExactly(
                            m -> assertThat(m).contains("a caption is deleted with its image"),
                            m -> assertThat(m).contains("without a key"),
                            m -> assertThat(m).contains("3000 bytes"));
            assertThat(topology.alignVlmRecords()).isEmpty();
            assertThat(topology.teviRecords()).isEmpty();
        }
    }

    @Test
    void embeddingsAndCaptionFingerprintsOlderThanTheRetentionGoAsStreamTimePasses() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given four scenes with event times 20 minutes apart (records timestamped with them)
            Duration step = RETENTION.dividedBy(3);
            List<SceneEvents> scenes = List.of(0, 1, 2, 3).stream()
                    .map(i -> scene(10 + i, TopologyHarness.START.plus(step.multipliedBy(i)))).toList();
            for (SceneEvents scene : scenes) {
                topology.send(scene.image(), scene.image().getEventTime());
                scene.captions().forEach(topology::send);
            }
            topology.flushBatches();
            assertThat(topology.<String>storeKeys(StoreNames.IMAGE_EMBEDDINGS)).hasSize(4);

            // when the clock and stream time reach the last scene's time plus the retention
            Instant later = scenes.get(3).image().getEventTime().plus(RETENTION);
            topology.advance(Duration.between(TopologyHarness.START, later));
            SceneEvents fresh = scene(20, later);
            topology.send(fresh.image(), later);
            topology.flushBatches();

            // then the three scenes older than the cutoff (later - retention) are gone from stores and indexes;
            // the one at the cutoff and the new one are kept
            List<String> kept = List.of(scenes.get(3).image().getImageId(), fresh.image().getImageId());
            assertThat(topology.<String>storeKeys(StoreNames.IMAGE_EMBEDDINGS)).containsExactlyInAnyOrderElementsOf(kept);
            assertThat(topology.<Bytes>storeKeys(StoreNames.IMAGE_EMBEDDINGS_BY_TIME)).hasSize(2);
            assertThat(topology.<String>storeKeys(StoreNames.EMITTED_CAPTIONS))
                    .hasSize(scenes.get(3).captions().size())
                    .allSatisfy(key -> assertThat(key).startsWith(scenes.get(3).image().getImageId() + "\u0000"));
            assertThat(topology.<Bytes>storeKeys(StoreNames.EMITTED_CAPTIONS_BY_TIME)).hasSize(scenes.get(3).captions().size());
            topology.alignVlmRecords();
            topology.teviRecords();

            // and an expired image sent again is embedded and published again (the cost of retention)
            topology.send(scenes.get(0).image(), later);
            topology.flushBatches();
            assertThat(topology.alignVlm()).singleElement()
                    .satisfies(a -> assertThat(a.getImageId()).isEqualTo(scenes.get(0).image().getImageId()));
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void streamTimeAheadOfTheWallClockExpiresNothingNewerThanTheClockAllows() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a stored image with the current time
            SceneEvents scene = scene(30, TopologyHarness.START);
            topology.send(scene.image(), TopologyHarness.START);
            topology.flushBatches();

            // when a record timestamped a year ahead moves stream time, the wall clock staying put
            Instant future = TopologyHarness.START.plus(Duration.ofDays(365));
            topology.send(scene(31, future).image(), future);
            topology.flushBatches();

            // then the image is kept: the cutoff counts back from the wall clock, not from the forged time
            assertThat(topology.<String>storeKeys(StoreNames.IMAGE_EMBEDDINGS)).contains(scene.image().getImageId());
        }
    }

    private static void assertNoStateFor(TopologyHarness topology) {
        assertThat(topology.storeKeys(StoreNames.IMAGE_EMBEDDINGS)).isEmpty();
        assertThat(topology.storeKeys(StoreNames.IMAGE_EMBEDDINGS_BY_TIME)).isEmpty();
        assertThat(topology.storeKeys(StoreNames.EMITTED_CAPTIONS)).isEmpty();
        assertThat(topology.storeKeys(StoreNames.EMITTED_CAPTIONS_BY_TIME)).isEmpty();
    }

    /** An Avro string in the Confluent wire format: magic byte 0, a 4-byte schema id, the Avro binary. */
    private static byte[] wireFormatString(String value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 1});
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        encoder.writeString(value);
        encoder.flush();
        return out.toByteArray();
    }
}

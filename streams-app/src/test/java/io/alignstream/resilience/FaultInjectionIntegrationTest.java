package io.alignstream.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.schemas.EventTopic;
import io.alignstream.schemas.TopicNames;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.topology.StoreNames;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's fault-injection suite, beside the crash test: each fault is injected into a real
 * service (Kafka Streams with exactly_once_v2 over the embedded KRaft broker and Schema Registry,
 * the real ONNX runtime), and each case counts, read_committed, exactly the outputs and dead letters
 * it expects. A good record never goes to the dead letters for a fault that is not its own; the
 * inputs' own faults do, once. docs/exactly-once.md states the guarantee per fault class.
 *
 * <p>The large-references case runs the service in a child JVM with a small heap
 * ({@link LargeReferencesIntegrationTest}); the crash and scale-out cases have their own classes.
 */
class FaultInjectionIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    /** How long a case waits for output it expects; every case is done well within it. */
    private static final Duration OUTPUT_WAIT = Duration.ofSeconds(90);

    @TempDir
    Path state;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aPoisonRecordAmongAThousandGoodPairsIsOneOverLimitDeadLetter() throws Exception {
        // given the service, whose producer writes records of at most 256 KiB
        int serviceMaxRequestSize = 256 * 1024;
        Map<String, String> overrides = settings("fault-poison");
        overrides.put("producer.max.request.size", Integer.toString(serviceMaxRequestSize));
        AlignstreamConfig config = config(overrides);
        Workload work = Workload.pairs(1_000, 141);
        // and a 1.2 MB caption: gzip makes it small for the broker, not for the service
        CaptionEvent first = work.scenes().get(0).captions().get(0);
        CaptionEvent poison = CaptionEvent.newBuilder(first).setCaptionId(first.getCaptionId() + "-poison")
                .setText((first.getText() + " ").repeat(1_200_000 / (first.getText().length() + 1) + 1)).build();

        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            // when the poison record comes first, then 1,000 good pairs
            Map<String, Object> gzipProducer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    PLATFORM.bootstrapServers(), ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
            try (EventProducer producer = EventProducer.builder(gzipProducer, registry(), config.topicNames()).build()) {
                producer.sendCaption(poison);
                producer.flush();
            }
            work.produce(config.topicNames());

            // then 1,000 TEVI records, one per pair, the images' AlignVLM records, and 1 OVER_LIMIT dead letter
            Outputs out = Outputs.read(config.topicNames(), work.pairs(), work.images());
            out.assertExactly(work);
            assertThat(out.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
                assertThat(letter.getSourceTopic()).isEqualTo(config.topicNames().captions());
                assertThat(letter.getMessage()).containsPattern("is \\d{7} bytes")
                        .contains("producer max.request.size " + serviceMaxRequestSize)
                        .contains("payload cut to its first " + config.deadLetterMaxPayloadBytes() + " of ");
                assertThat(letter.getPayload().remaining()).isEqualTo(config.deadLetterMaxPayloadBytes());
            });
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aModelRuntimeThatFailsThreeCallsThenRecoversCostsNoDeadLetter() throws Exception {
        // given a vision tower whose first three calls fail, as a runtime that lost its device for a moment
        // when 20 scenes arrive
        // then every pair and image is published exactly once, and no good record is dead-lettered
        faultsCostNoDeadLetter("fault-model", FaultyModels.Head.EMBED_IMAGES, 3,
                () -> new IllegalStateException("injected: the ONNX Runtime session is unavailable"), 142);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aSchemaRegistryOutageOfTwentySecondsLosesNothingAndDeadLettersNothing() throws Exception {
        // given a registry of the case's own (its schemas live in a Kafka topic: a restart keeps them)
        String schemasTopic = "_schemas-fault-registry";
        EmbeddedSchemaRegistry ownRegistry = EmbeddedSchemaRegistry.builder()
                .bootstrapServers(PLATFORM.bootstrapServers()).topic(schemasTopic).start();
        int port = ownRegistry.port();
        Map<String, Object> serde = Map.of("schema.registry.url", ownRegistry.url());
        Map<String, String> overrides = settings("fault-registry");
        overrides.put("schema.registry.url", ownRegistry.url());
        AlignstreamConfig config = config(overrides);
        Workload before = Workload.scenes(10, 143);
        Workload during = Workload.scenes(10, 144);
        try (EventProducer producer = EventProducer.builder(connection(), serde, config.topicNames()).build()) {
            try (AlignstreamApp app = AlignstreamApp.start(config)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                before.produce(producer);
                Outputs.read(config.topicNames(), before.pairs(), before.images(), serde).assertExactly(before);
            }

            // when the registry goes away for 20 s, and meanwhile a new instance (cold caches)
            // takes over and producers (warm caches) send more scenes
            ownRegistry.close();
            long outageEnds = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            try (AlignstreamApp app = AlignstreamApp.start(config)) {
                during.produce(producer);
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(outageEnds - System.nanoTime())));
                ownRegistry = EmbeddedSchemaRegistry.builder().bootstrapServers(PLATFORM.bootstrapServers())
                        .topic(schemasTopic).port(port).start();

                // then, once it is back, every scene is published exactly once and nothing is dead-lettered
                Workload all = before.and(during);
                Outputs out = Outputs.read(config.topicNames(), all.pairs(), all.images(), serde);
                out.assertExactly(all);
                out.assertNoDeadLetters();
            }
        } finally {
            ownRegistry.close();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aFaultBetweenPublishingAndRecordingLeavesExactlyOneOutcomePerInput() throws Exception {
        // given a pair aligner that fails once with a memory fault, after the batch's images were
        // embedded, stored and their AlignVLM records forwarded: the task fails mid-batch
        // when 20 scenes arrive
        // then each input has exactly one outcome: no duplicate AlignVLM record from the replayed
        // batch, no image dropped as an already-seen duplicate, no dead letter
        faultsCostNoDeadLetter("fault-ordering", FaultyModels.Head.ALIGN, 1,
                () -> new OutOfMemoryError("injected: Java heap space"), 145);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aStoreThatThrowsOnceBetweenAnOutcomeAndItsRecordLeavesExactlyOneOutcomePerInput() throws Exception {
        // given real stores that fail once each: image-embeddings on its first put, which comes after
        // the image's AlignVLM record was forwarded (the fingerprint ordering), and pending-captions on
        // its first delete, which comes after a waiting caption's TEVI record was forwarded (the
        // unsettled-caption ordering)
        AtomicInteger thrown = new AtomicInteger();
        AlignstreamConfig config = config(settings("fault-store"));
        Workload work = Workload.scenes(20, 149);
        AlignstreamApp.Seams seams = AlignstreamApp.Seams.stores(
                ThrowingStores.failingOnce(StoreNames.IMAGE_EMBEDDINGS, StoreNames.PENDING_CAPTIONS, thrown));

        try (AlignstreamApp app = AlignstreamApp.start(config, seams);
             EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            // when every caption arrives first and waits for its image, then the images come
            work.scenes().forEach(scene -> scene.captions().forEach(producer::sendCaption));
            producer.flush();
            awaitStoreSize(app.streams(), StoreNames.PENDING_CAPTIONS, work.pairs());
            work.scenes().forEach(scene -> producer.sendImage(scene.image()));
            producer.flush();

            // then each input has exactly one outcome: no AlignVLM record twice, no image skipped as
            // already seen, no caption lost or published twice, no dead letter
            Outputs out = Outputs.read(config.topicNames(), work.pairs(), work.images());
            out.assertExactly(work);
            out.assertNoDeadLetters();
            assertThat(thrown).as("store faults injected").hasValue(2);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aCaptionRestoredAfterAnOutageLongerThanTheGraceMeetsItsImageFromTheBacklog() throws Exception {
        // given a grace of 10 s (the default is 5 min; the outage below is scaled with it)
        Duration grace = Duration.ofSeconds(10);
        Map<String, String> overrides = settings("fault-grace");
        overrides.put(AlignstreamConfig.CAPTION_GRACE_MS_CONFIG, Long.toString(grace.toMillis()));
        AlignstreamConfig config = config(overrides);
        SceneEvents scene = Workload.scenes(1, 146).scenes().get(0);
        CaptionEvent caption = scene.captions().get(0);
        // and 200 other scenes, made now so that sending them later is quick: a backlog that takes the
        // restarted service seconds to read (the grace is checked every second), sent within a few
        // seconds of the caption, so well within its grace in stream time
        Workload backlog = Workload.scenes(200, 148);

        try (EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
            // and a caption the service holds, waiting for its image, when it goes down
            try (AlignstreamApp app = AlignstreamApp.start(config)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                producer.sendCaption(caption);
                producer.flush();
                awaitStoreSize(app.streams(), StoreNames.PENDING_CAPTIONS, 1);
            }
            // when, while the service is down, the backlog and then the caption's image arrive, and the
            // outage lasts 2.5 graces
            backlog.produce(producer);
            producer.sendImage(scene.image());
            producer.flush();
            Thread.sleep(grace.multipliedBy(5).dividedBy(2).toMillis());
            // and the service comes back on an empty state directory: the caption is restored from the changelog
            Map<String, String> fresh = new HashMap<>(overrides);
            fresh.put("state.dir", state.resolve("after-outage").toString());
            try (AlignstreamApp app = AlignstreamApp.start(config(fresh))) {
                // then the caption meets its image behind the backlog: its 1 TEVI record, the backlog's
                // records, and no dead letter (a grace on the wall clock alone expired it at the first check)
                Workload all = backlog.and(Workload.of(List.of(new SceneEvents(scene.image(), List.of(caption)))));
                Outputs out = Outputs.read(config.topicNames(), all.pairs(), all.images());
                out.assertExactly(all);
                out.assertNoDeadLetters();
            }
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aTombstoneForAnImageDeletesItsEmbeddingAndPublishesTombstones() throws Exception {
        // given an image and its captions, embedded and published
        AlignstreamConfig config = config(settings("fault-tombstone"));
        Workload work = Workload.scenes(1, 147);
        ImageEvent image = work.scenes().get(0).image();
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            work.produce(config.topicNames());
            Outputs out = Outputs.read(config.topicNames(), work.pairs(), work.images());
            out.assertExactly(work);
            out.assertNoDeadLetters();

            // when a tombstone for the image arrives (its id as key, no value)
            try (EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
                producer.sendRaw(EventTopic.IMAGES, image.getImageId().getBytes(StandardCharsets.UTF_8), null);
                producer.flush();
            }

            // then both output topics get a tombstone keyed by the image id, and no dead letter
            assertThat(tombstones(config.topicNames().alignVlm())).containsExactly(image.getImageId());
            assertThat(tombstones(config.topicNames().tevi())).containsExactly(image.getImageId());
            Outputs.read(config.topicNames(), work.pairs(), work.images()).assertNoDeadLetters();
            // and the stored embedding is gone: the same image sent again is embedded again
            awaitStoreSize(app.streams(), StoreNames.IMAGE_EMBEDDINGS, 0);
            try (EventProducer producer = EventProducer.builder(connection(), registry(), config.topicNames()).build()) {
                producer.sendImage(image);
                producer.flush();
            }
            assertThat(Outputs.read(config.topicNames(), work.pairs(), 2 * work.images()).alignVlm())
                    .hasSize(2 * work.images());
        }
    }

    // ---- the cases' shared parts ------------------------------------------------------------

    /**
     * 20 scenes through the service whose {@code head} throws what {@code fault} makes on its first
     * {@code failures} calls: each pair and image published exactly once, no dead letter, and the
     * faults really thrown.
     */
    private void faultsCostNoDeadLetter(String applicationId, FaultyModels.Head head, int failures,
                                        Supplier<? extends Throwable> fault, long seed) throws Exception {
        AtomicInteger thrown = new AtomicInteger();
        AlignstreamConfig config = config(settings(applicationId));
        Workload work = Workload.scenes(20, seed);
        try (AlignstreamApp app = AlignstreamApp.start(config,
                AlignstreamApp.Seams.models(FaultyModels.failing(head, failures, fault, thrown)))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            work.produce(config.topicNames());

            Outputs out = Outputs.read(config.topicNames(), work.pairs(), work.images());
            out.assertExactly(work);
            out.assertNoDeadLetters();
            assertThat(thrown).as("faults injected").hasValue(failures);
        }
    }

    /** The service's settings for one case: its own application id, topics and state directory. */
    private Map<String, String> settings(String applicationId) {
        Map<String, String> settings = new HashMap<>(Rig.settings(PLATFORM, applicationId,
                state.resolve(applicationId), applicationId));
        settings.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "2");
        return settings;
    }

    private static AlignstreamConfig config(Map<String, String> settings) {
        return ConfigSources.load(Optional.empty(), Map.of(), settings);
    }

    private static Map<String, Object> connection() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
    }

    private static Map<String, Object> registry() {
        return Map.of("schema.registry.url", PLATFORM.registryUrl());
    }

    /** Waits until the instance's store {@code name} holds {@code size} entries (over all its tasks). */
    private static void awaitStoreSize(KafkaStreams streams, String name, long size) throws InterruptedException {
        long deadline = System.nanoTime() + OUTPUT_WAIT.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            try {
                ReadOnlyKeyValueStore<String, Object> store = streams.store(
                        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
                try (var all = store.all()) {
                    seen = 0;
                    while (all.hasNext()) {
                        all.next();
                        seen++;
                    }
                }
                if (seen == size) {
                    return;
                }
            } catch (RuntimeException notQueryableYet) {
                // rebalancing or restoring: ask again
            }
            Thread.sleep(100);
        }
        throw new AssertionError("store " + name + " held " + seen + " entries, not " + size);
    }

    /** The keys of the null-valued records of {@code topic}, read_committed. */
    private static List<String> tombstones(String topic) {
        List<String> keys = new ArrayList<>();
        try (OutputReader reader = OutputReader.builder(connection(), registry()).topics(topic)
                .group("fault-tombstones-" + System.nanoTime()).fromBeginning(true).includeTombstones().open()) {
            reader.read(Until.timeout(OUTPUT_WAIT), record -> {
                if (record.isTombstone()) {
                    keys.add(record.key());
                }
                return keys.isEmpty();
            });
            reader.read(Until.timeout(Duration.ofSeconds(2)), record -> {
                if (record.isTombstone()) {
                    keys.add(record.key());
                }
                return true;
            });
        }
        return keys;
    }

    /** Synthetic scenes of one seed (test split), and what a correct service makes of them. */
    private record Workload(List<SceneEvents> scenes) {
        static Workload of(List<SceneEvents> scenes) {
            return new Workload(List.copyOf(scenes));
        }

        static Workload scenes(int count, long seed) {
            SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
            List<SceneEvents> scenes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                scenes.add(events.scene(i, Instant.now()));
            }
            return of(scenes);
        }

        /** Whole scenes until {@code pairs} captions, the last scene's captions cut to make it exact. */
        static Workload pairs(int pairs, long seed) {
            SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
            List<SceneEvents> scenes = new ArrayList<>();
            int total = 0;
            for (int i = 0; total < pairs; i++) {
                SceneEvents scene = events.scene(i, Instant.now());
                List<CaptionEvent> captions = scene.captions().subList(0, Math.min(scene.captions().size(), pairs - total));
                scenes.add(new SceneEvents(scene.image(), List.copyOf(captions)));
                total += captions.size();
            }
            return of(scenes);
        }

        Workload and(Workload more) {
            List<SceneEvents> all = new ArrayList<>(scenes);
            all.addAll(more.scenes);
            return of(all);
        }

        int images() {
            return scenes.size();
        }

        int pairs() {
            return scenes.stream().mapToInt(scene -> scene.captions().size()).sum();
        }

        List<String> pairKeys() {
            return scenes.stream().flatMap(scene -> scene.captions().stream())
                    .map(caption -> caption.getImageId() + "/" + caption.getCaptionId()).toList();
        }

        List<String> imageIds() {
            return scenes.stream().map(scene -> scene.image().getImageId()).toList();
        }

        void produce(TopicNames topics) {
            try (EventProducer producer = EventProducer.builder(connection(), registry(), topics).build()) {
                produce(producer);
            }
        }

        void produce(EventProducer producer) {
            scenes.forEach(scene -> producer.send(scene.image(), scene.captions()));
            producer.flush();
        }
    }

    /** What the service published, read_committed: the three output topics' values. */
    private record Outputs(List<TeviEmbedding> tevi, List<AlignVlmEmbedding> alignVlm, List<DeadLetter> deadLetters) {
        /** Waits for {@code pairs} TEVI and {@code images} AlignVLM records; dead letters are read as they are. */
        static Outputs read(TopicNames topics, int pairs, int images) {
            return read(topics, pairs, images, registry());
        }

        static Outputs read(TopicNames topics, int pairs, int images, Map<String, ?> serde) {
            return new Outputs(values(topics.tevi(), pairs, serde, TeviEmbedding.class),
                    values(topics.alignVlm(), images, serde, AlignVlmEmbedding.class),
                    values(topics.deadLetters(), 0, serde, DeadLetter.class));
        }

        /** At least {@code expected} values of {@code type} (tombstones skipped), then 2 s more so a duplicate shows. */
        private static <T> List<T> values(String topic, int expected, Map<String, ?> serde, Class<T> type) {
            List<T> out = new ArrayList<>();
            try (OutputReader reader = OutputReader.builder(connection(), serde).topics(topic)
                    .group("fault-reader-" + System.nanoTime()).fromBeginning(true).open()) {
                if (expected > 0) {
                    reader.read(Until.timeout(OUTPUT_WAIT), record -> {
                        if (record.value() != null) {
                            out.add(type.cast(record.value()));
                        }
                        return out.size() < expected;
                    });
                }
                reader.read(Until.timeout(Duration.ofSeconds(2)), record -> {
                    if (record.value() != null) {
                        out.add(type.cast(record.value()));
                    }
                    return true;
                });
            }
            return out;
        }

        /** Exactly one TEVI record per pair and one AlignVLM record per image of {@code work}. */
        void assertExactly(Workload work) {
            assertThat(tevi.stream().map(t -> t.getImageId() + "/" + t.getCaptionId()).toList())
                    .as("TEVI records, one per pair").containsExactlyInAnyOrderElementsOf(work.pairKeys());
            assertThat(alignVlm.stream().map(AlignVlmEmbedding::getImageId).toList())
                    .as("AlignVLM records, one per image").containsExactlyInAnyOrderElementsOf(work.imageIds());
            // The counts the closing note of the faults issue quotes, from the run itself.
            System.out.printf("fault-injection verdict: %d TEVI for %d pairs, %d AlignVLM for %d images, %d dead letters%n",
                    tevi.size(), work.pairs(), alignVlm.size(), work.images(), deadLetters.size());
        }

        void assertNoDeadLetters() {
            assertThat(deadLetters.stream().map(letter -> letter.getReason() + ": " + letter.getMessage()).toList())
                    .as("dead letters").isEmpty();
        }
    }
}

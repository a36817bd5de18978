package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.world.CocoExport;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bring your own model, the whole path a user takes (docs/bring-your-own-model.md): CLIP-style
 * encoders in Optimum's layout (the project's own stand-in, built in PyTorch) imported, a small
 * COCO-format set embedded through them, the TEVI and AlignVLM heads trained label-free in quick
 * mode, the bundle verified, then served: the topology on the embedded broker publishes a TEVI
 * record per caption and an AlignVLM record per image from the user's model. The trainer exports
 * a caption adapter with the TEVI head, so the TEVI records carry its query embeddings.
 */
class BringYourOwnModelIntegrationTest {

    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    /** Enough images that each split has some (10% validation, 10% test by image id). */
    private static final int IMAGES = 200;
    /** Images produced to the service; each has the export's 4 web captions and 1 long caption. */
    private static final int PRODUCED = 6;
    private static final int CAPTIONS_PER_IMAGE = 5;

    @TempDir
    Path dir;

    @Test
    void anImportedModelTrainedLabelFreeIsServedThroughTheTopology() throws Exception {
        // given a user's data as a COCO captions file with its images, and their CLIP in Optimum's layout
        Path coco = dir.resolve("coco");
        CocoExport.write(new SyntheticWorld(11), Split.TRAIN, IMAGES, coco);
        Path standIn = TrainingPython.freshDirectory("byom/standin");
        TrainingPython.run("standin", 120, standIn.toString());

        // when the model is imported
        Path bundle = dir.resolve("bundle");
        CommandRun imported = run("model", "import", standIn.toString(), "--out", bundle.toString(),
                "--model-id", "stand-in-clip");
        assertThat(imported.exitCode()).as(imported.err()).isZero();

        // and the data embedded through its heads
        Path data = dir.resolve("data");
        CommandRun embedded = run("model", "embed", "--bundle", bundle.toString(),
                "--coco-captions", coco.resolve(CocoExport.CAPTIONS).toString(),
                "--images", coco.resolve(CocoExport.IMAGES).toString(),
                "--labels", coco.resolve(CocoExport.LABELS).toString(), "--out", data.toString());
        assertThat(embedded.exitCode()).as(embedded.err()).isZero();
        assertThat(embedded.out()).contains("Embedded " + IMAGES + " images and " + IMAGES * CAPTIONS_PER_IMAGE + " captions");

        // and the TEVI and AlignVLM heads trained label-free in quick mode
        Path report = dir.resolve("report.md");
        TrainingPython.run("labelfree", 300, "--data", data.toString(), "--bundle", bundle.toString(),
                "--report", report.toString(), "--quick");
        assertThat(Files.readString(report)).contains("raw").contains("TEVI");

        // then the bundle verifies against its golden outputs
        CommandRun verified = run("model", "verify", "--bundle", bundle.toString());
        assertThat(verified.exitCode()).as(verified.out()).isZero();
        assertThat(verified.out()).contains("text.embedding").contains("tevi.caption_aligned")
                .contains("Verification PASSED");
        int embedding = ModelBundle.load(bundle).dims().embedding();

        // and when the service runs on it and the first images are produced
        Map<String, String> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", PLATFORM.bootstrapServers());
        overrides.put("schema.registry.url", PLATFORM.registryUrl());
        overrides.put("state.dir", dir.resolve("state").toString());
        overrides.put("application.id", "alignstream-byom-it");
        overrides.put(AlignstreamConfig.MODEL_BUNDLE_CONFIG, bundle.toString());
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "1");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "0");
        overrides.put(AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1");
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            CommandRun produced = run("produce", "--coco-captions", coco.resolve(CocoExport.CAPTIONS).toString(),
                    "--images", coco.resolve(CocoExport.IMAGES).toString(), "--limit", Integer.toString(PRODUCED),
                    "--quiet", "--set", "bootstrap.servers=" + PLATFORM.bootstrapServers(),
                    "--set", "schema.registry.url=" + PLATFORM.registryUrl());
            assertThat(produced.exitCode()).as(produced.err()).isZero();

            // then one TEVI record per caption and one AlignVLM record per image come from the user's model
            List<Object> tevi = readCommitted(config.topicNames().tevi(), PRODUCED * CAPTIONS_PER_IMAGE);
            List<Object> align = readCommitted(config.topicNames().alignVlm(), PRODUCED);
            assertThat(tevi).hasSize(PRODUCED * CAPTIONS_PER_IMAGE).allSatisfy(record -> {
                TeviEmbedding t = (TeviEmbedding) record;
                assertThat(t.getModel().getId()).isEqualTo("stand-in-clip");
                // with the adapter's query embedding q beside the text head's t, and TEVI scored against q
                assertThat(t.getQueryEmbedding()).as("queryEmbedding").isNotNull().hasSize(embedding);
                assertThat(t.getQueryEmbedding()).isNotEqualTo(t.getCaptionEmbedding());
                assertThat((double) t.getScores().getTevi())
                        .isCloseTo(cosine(t.getAlignedEmbedding(), t.getQueryEmbedding()), within(1e-4));
            });
            assertThat(align).hasSize(PRODUCED).allSatisfy(record -> {
                AlignVlmEmbedding a = (AlignVlmEmbedding) record;
                assertThat(a.getModel().getId()).isEqualTo("stand-in-clip");
                assertThat(a.getTopWords()).isNotEmpty();
            });
            // and nothing good was dead-lettered
            assertThat(readCommitted(config.topicNames().deadLetters(), 1)).isEmpty();
        }
    }

    private static double cosine(List<Float> a, List<Float> b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += (double) a.get(i) * b.get(i);
            aa += (double) a.get(i) * a.get(i);
            bb += (double) b.get(i) * b.get(i);
        }
        return dot / Math.sqrt(aa * bb);
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** Everything committed on a one-partition topic, waiting for at most {@code expected} records. */
    private static List<Object> readCommitted(String topic, int expected) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Object> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
             KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(Map.of("schema.registry.url", PLATFORM.registryUrl(), "specific.avro.reader", true), false);
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(expected > 1 ? 90 : 5).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(deserializer.deserialize(topic, record.value()));
                }
            }
        }
        return records;
    }
}

package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.CaptionKind;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import io.alignstream.events.MaskStatistics;
import io.alignstream.events.ModelRef;
import io.alignstream.events.SimilarityScores;
import io.alignstream.events.SparseCode;
import io.alignstream.events.TensorDType;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.VocabularyWeight;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce} and {@code consume} as a user meets them: a COCO-format sample and a JSON Lines
 * file made on the fly and sent to a real broker and registry, read back record by record; bad
 * input refused with a clear message; published embeddings exported as JSON Lines.
 */
class ProduceConsumeCommandIntegrationTest {

    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final AtomicInteger TOPIC_SEQUENCE = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticWorld WORLD = new SyntheticWorld(3);

    @TempDir
    Path dir;

    // ---- help ----------------------------------------------------------------------------------

    @Test
    void produceHelpListsEverySourceAndOptionWithinEightyColumns() {
        CommandRun run = run("produce", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: alignstream produce")
                .contains("--coco-captions").contains("--images").contains("--jsonl").contains("--synthetic")
                .contains("--seed").contains("--rate").contains("--by-reference").contains("--limit")
                .contains("--config").contains("--set").contains("idempotent");
        assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void consumeHelpListsEveryOptionWithinEightyColumns() {
        CommandRun run = run("consume", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: alignstream consume")
                .contains("--topic").contains("--from-beginning").contains("--group").contains("--out")
                .contains("--max").contains("--include-deletes").contains("--timeout").contains("read_committed").contains("--config");
        assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void topLevelHelpListsProduceAndConsume() {
        CommandRun run = run("--help");

        assertThat(run.out()).contains("produce").contains("consume");
    }

    // ---- produce -------------------------------------------------------------------------------

    @Test
    void producesACocoSampleInlineWithIdsCaptionsAndTheFilesBytes() throws Exception {
        // given a COCO captions sample of three synthetic images, two captions each
        Path images = Files.createDirectories(dir.resolve("val"));
        Path captions = cocoSample(images, 3);
        Topics topics = freshTopics();

        // when it is produced inline
        CommandRun run = run(topics.args("produce", "--coco-captions", captions.toString(), "--images", images.toString()));

        // then every image and caption arrives keyed by its COCO image id, the bytes equal to the files
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 3 images and 6 captions");
        List<ConsumerRecord<String, Object>> imageRecords = readAll(topics.images, 3);
        List<ConsumerRecord<String, Object>> captionRecords = readAll(topics.captions, 6);
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<String, Object> record = imageRecords.get(i);
            ImageEvent image = (ImageEvent) record.value();
            String id = String.valueOf(100 + i);
            assertThat(record.key()).isEqualTo(id);
            assertThat(image.getImageId()).isEqualTo(id);
            assertThat(image.getSource()).isEqualTo("coco");
            assertThat(image.getContentType()).isEqualTo("image/png");
            assertThat(image.getWidth()).isEqualTo(SyntheticWorld.IMAGE_SIZE);
            assertThat(image.getContent()).isInstanceOf(InlineImage.class);
            assertThat(bytes(((InlineImage) image.getContent()).getData()))
                    .isEqualTo(Files.readAllBytes(images.resolve("scene-" + i + ".png")));
        }
        assertThat(captionRecords).extracting(ConsumerRecord::key)
                .containsExactly("100", "100", "101", "101", "102", "102");
        CaptionEvent first = (CaptionEvent) captionRecords.get(0).value();
        assertThat(first.getCaptionId()).isEqualTo("1000");
        assertThat(first.getImageId()).isEqualTo("100");
        assertThat(first.getText()).isEqualTo(WORLD.sample(Split.TEST, 0).webCaptions().get(0).text());
        assertThat(first.getKind()).isEqualTo(CaptionKind.HUMAN);
    }

    @Test
    void producesByReferenceWithFileUrisAndHonoursTheLimit() throws Exception {
        // given a COCO sample of three images
        Path images = Files.createDirectories(dir.resolve("val"));
        Path captions = cocoSample(images, 3);
        Topics topics = freshTopics();

        // when the first two are produced by reference
        CommandRun run = run(topics.args("produce", "--coco-captions", captions.toString(), "--images", images.toString(),
                "--by-reference", "--limit", "2", "--quiet"));

        // then the images carry file: URIs of the files, and only two images and their captions went
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 2 images and 4 captions").doesNotContain("Sent image");
        List<ConsumerRecord<String, Object>> imageRecords = readAll(topics.images, 2);
        for (int i = 0; i < 2; i++) {
            ImageEvent image = (ImageEvent) imageRecords.get(i).value();
            assertThat(image.getContent()).isInstanceOf(ImageReference.class);
            URI uri = URI.create(((ImageReference) image.getContent()).getUri());
            assertThat(uri.getScheme()).isEqualTo("file");
            assertThat(Files.readAllBytes(Path.of(uri))).isEqualTo(Files.readAllBytes(images.resolve("scene-" + i + ".png")));
        }
        assertThat(readAll(topics.captions, 4)).hasSize(4);
        assertThat(readAll(topics.images, 3)).as("no third image").hasSize(2);
    }

    @Test
    void producesJsonLinesWithRelativePathsDerivedIdsAndGroupedCaptions() throws Exception {
        // given JSON Lines: two captions of one image (ids derived), one with explicit ids, JPEG-named
        Path images = Files.createDirectories(dir.resolve("pics"));
        Files.write(images.resolve("a.png"), png(0));
        Files.write(images.resolve("b.jpg"), png(1));
        Path jsonl = dir.resolve("pairs.jsonl");
        Files.writeString(jsonl, String.join("\n",
                "{\"image\": \"pics/a.png\", \"caption\": \"a red circle\"}",
                "",
                "{\"image\": \"pics/a.png\", \"caption\": \"a round red thing\"}",
                "{\"image\": \"pics/b.jpg\", \"caption\": \"a blue square\", \"image_id\": \"img-b\", "
                        + "\"caption_id\": \"cap-b\"}"));
        Topics topics = freshTopics();

        // when it is produced
        CommandRun run = run(topics.args("produce", "--jsonl", jsonl.toString()));

        // then a.png is one image with two captions, b.jpg keeps its ids and its content type
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 2 images and 3 captions");
        List<ConsumerRecord<String, Object>> imageRecords = readAll(topics.images, 2);
        ImageEvent a = (ImageEvent) imageRecords.get(0).value();
        ImageEvent b = (ImageEvent) imageRecords.get(1).value();
        assertThat(a.getImageId()).isEqualTo("a.png");
        assertThat(a.getContentType()).isEqualTo("image/png");
        assertThat(bytes(((InlineImage) a.getContent()).getData())).isEqualTo(png(0));
        assertThat(b.getImageId()).isEqualTo("img-b");
        assertThat(b.getContentType()).isEqualTo("image/jpeg");
        assertThat(imageRecords.get(1).key()).isEqualTo("img-b");
        List<CaptionEvent> captionEvents = readAll(topics.captions, 3).stream()
                .map(record -> (CaptionEvent) record.value()).toList();
        assertThat(captionEvents).extracting(CaptionEvent::getCaptionId).containsExactly("a.png-0", "a.png-1", "cap-b");
        assertThat(captionEvents).extracting(CaptionEvent::getText)
                .containsExactly("a red circle", "a round red thing", "a blue square");
    }

    @Test
    void rateLimitSpacesTheEvents() {
        // given two synthetic scenes: 2 images and 10 captions, 12 events
        Topics topics = freshTopics();

        // when they are produced at 20 events per second
        CommandRun run = run(topics.args("produce", "--synthetic", "2", "--seed", "5", "--rate", "20"));

        // then it takes at least (12 - 1) / 20 = 0.55 s (loose bound), and everything arrives
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Sent 2 images and 10 captions");
        double seconds = Double.parseDouble(run.out().replaceAll("(?s).* in ([0-9.]+) s .*", "$1"));
        assertThat(seconds).isGreaterThanOrEqualTo(0.45);
        assertThat(readAll(topics.images, 2)).hasSize(2);
    }

    @Test
    void refusesAMissingCaptionsFile() {
        CommandRun run = run(new Topics("x", "y").args("produce", "--coco-captions", dir.resolve("nope.json").toString(),
                "--images", dir.toString()));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("nope.json").contains("does not exist");
    }

    @Test
    void refusesMalformedCocoJsonNamingTheLine() throws Exception {
        Path captions = dir.resolve("captions.json");
        Files.writeString(captions, "{\n  \"images\": [\n    {\"id\": 1,, \"file_name\": \"a.png\"}\n  ]\n}\n");

        CommandRun run = run(new Topics("x", "y").args("produce", "--coco-captions", captions.toString(),
                "--images", dir.toString()));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Malformed JSON").contains("captions.json").contains("line 3");
    }

    @Test
    void refusesMalformedJsonLinesNamingTheLine() throws Exception {
        Files.write(dir.resolve("a.png"), png(0));
        Path jsonl = dir.resolve("pairs.jsonl");
        Files.writeString(jsonl, "{\"image\": \"a.png\", \"caption\": \"ok\"}\n{\"image\": \"a.png\", caption}\n");

        CommandRun run = run(new Topics("x", "y").args("produce", "--jsonl", jsonl.toString()));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Malformed JSON").contains("pairs.jsonl, line 2");
    }

    @Test
    void refusesAJsonLineWithoutACaption() throws Exception {
        Files.write(dir.resolve("a.png"), png(0));
        Path jsonl = dir.resolve("pairs.jsonl");
        Files.writeString(jsonl, "{\"image\": \"a.png\"}\n");

        CommandRun run = run(new Topics("x", "y").args("produce", "--jsonl", jsonl.toString()));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("line 1").contains("missing \"caption\"");
    }

    @Test
    void refusesAMissingImageBeforeSendingAnything() throws Exception {
        // given a COCO sample whose second image file is gone
        Path images = Files.createDirectories(dir.resolve("val"));
        Path captions = cocoSample(images, 2);
        Files.delete(images.resolve("scene-1.png"));
        Topics topics = freshTopics();

        // when it is produced
        CommandRun run = run(topics.args("produce", "--coco-captions", captions.toString(), "--images", images.toString()));

        // then it names the image and its file, and sent nothing
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Image 101").contains("scene-1.png").contains("does not exist");
        assertThat(readAll(topics.images, 1)).isEmpty();
    }

    @Test
    void refusesTwoSourcesAtOnce() {
        CommandRun run = run("produce", "--synthetic", "1", "--jsonl", "x.jsonl");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("exactly one of");
    }

    // ---- consume -------------------------------------------------------------------------------

    @Test
    void consumeExportsPublishedEmbeddingsAsJsonLines() throws Exception {
        // given two TEVI embeddings and one AlignVLM embedding published in the wire format
        OutputTopics topics = freshOutputTopics();
        String tevi = topics.tevi();
        String alignVlm = topics.alignVlm();
        byte[] tokens = ByteBuffer.allocate(2 * 3 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f).putFloat(5f).putFloat(6f).array();
        publish(tevi, "img-1", teviEmbedding("img-1", "cap-1", 0.25f));
        publish(tevi, "img-1", TeviEmbedding.newBuilder(teviEmbedding("img-1", "cap-2", 0.5f))
                .setQueryEmbedding(List.of(0f, 1f)).setSubCaptions(2).build());
        publish(alignVlm, "img-1", alignVlmEmbedding("img-1", tokens));
        Path out = dir.resolve("embeddings.jsonl");
        String[] connection = topics.connection();

        // when everything is exported from the beginning
        CommandRun run = run(concat(new String[] {"consume", "--from-beginning", "--timeout", "3s", "--out", out.toString()},
                connection));

        // then each record is one JSON line with every field; token bytes in base64
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(3);
        List<JsonNode> teviLines = lines.stream().filter(line -> line.get("type").asText().equals("tevi")).toList();
        assertThat(teviLines).extracting(line -> line.get("captionId").asText()).containsExactly("cap-1", "cap-2");
        JsonNode first = teviLines.get(0);
        assertThat(first.get("topic").asText()).isEqualTo(tevi);
        assertThat(first.get("key").asText()).isEqualTo("img-1");
        assertThat(first.get("imageId").asText()).isEqualTo("img-1");
        assertThat(first.at("/model/id").asText()).isEqualTo("test-model");
        assertThat(floats(first.get("alignedEmbedding"))).containsExactly(0.6f, 0.8f);
        assertThat(floats(first.get("captionEmbedding"))).containsExactly(1f, 0f);
        assertThat(first.get("queryEmbedding").isNull()).isTrue();
        assertThat(floats(teviLines.get(1).get("queryEmbedding"))).containsExactly(0f, 1f);
        assertThat(first.get("subCaptions").isNull()).as("a record without the count (before v3)").isTrue();
        assertThat(teviLines.get(1).get("subCaptions").asInt()).isEqualTo(2);
        assertThat(first.at("/codes/dictionarySize").asInt()).isEqualTo(16);
        assertThat(first.at("/codes/indices").toString()).isEqualTo("[2,7]");
        assertThat(first.at("/scores/raw").floatValue()).isEqualTo(0.25f);
        assertThat(first.at("/mask/density").floatValue()).isEqualTo(0.125f);
        assertThat(first.get("eventTime").asText()).isEqualTo("2026-01-02T03:04:05Z");
        JsonNode align = lines.stream().filter(line -> line.get("type").asText().equals("alignvlm")).findFirst()
                .orElseThrow();
        assertThat(align.get("tokenShape").toString()).isEqualTo("[2,3]");
        assertThat(align.get("dtype").asText()).isEqualTo("FLOAT32_LE");
        assertThat(Base64.getDecoder().decode(align.get("tokens").asText())).isEqualTo(tokens);
        assertThat(floats(align.get("pooled"))).containsExactly(0.6f, 0.8f);
        assertThat(align.at("/topWords/0/word").asText()).isEqualTo("circle");
        assertThat(align.has("captionId")).isFalse();

        // and when only TEVI is read to stdout with --max, in a group that then resumes
        CommandRun firstTevi = run(concat(new String[] {"consume", "--topic", "tevi", "--from-beginning", "--group", "g1",
                "--max", "1", "--timeout", "3s"}, connection));
        CommandRun rest = run(concat(new String[] {"consume", "--topic", "tevi", "--group", "g1", "--timeout", "2s"},
                connection));

        // then the group picks up where it stopped
        assertThat(firstTevi.exitCode()).as(firstTevi.err()).isZero();
        assertThat(firstTevi.out().lines().toList()).hasSize(1).allSatisfy(line -> assertThat(line).contains("\"cap-1\""));
        assertThat(rest.out().lines().toList()).hasSize(1).allSatisfy(line -> assertThat(line).contains("\"cap-2\""));
    }

    @Test
    void consumeWritesDeletesOnlyWhenAsked() throws Exception {
        // given a TEVI embedding, then a tombstone for its image (the service deleted it)
        OutputTopics topics = freshOutputTopics();
        String tevi = topics.tevi();
        String alignVlm = topics.alignVlm();
        publish(tevi, "img-9", teviEmbedding("img-9", "cap-1", 0.25f));
        publish(tevi, "img-9", null);
        String[] connection = topics.connection();

        // when exported without and with --include-deletes
        Path embeddingsOnly = dir.resolve("embeddings-only.jsonl");
        CommandRun plain = run(concat(new String[] {"consume", "--topic", "tevi", "--from-beginning", "--timeout", "3s",
                "--out", embeddingsOnly.toString()}, connection));
        Path withDeletes = dir.resolve("with-deletes.jsonl");
        CommandRun deletes = run(concat(new String[] {"consume", "--topic", "tevi", "--from-beginning", "--timeout", "3s",
                "--include-deletes", "--out", withDeletes.toString()}, connection));

        // then the first has the embedding alone; the second also its delete, after it, keyed by the image
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(Files.readAllLines(embeddingsOnly)).singleElement()
                .satisfies(line -> assertThat(JSON.readTree(line).get("type").asText()).isEqualTo("tevi"));
        assertThat(deletes.exitCode()).as(deletes.err()).isZero();
        List<String> lines = Files.readAllLines(withDeletes);
        assertThat(lines).hasSize(2);
        JsonNode delete = JSON.readTree(lines.get(1));
        assertThat(delete.get("type").asText()).isEqualTo("delete");
        assertThat(delete.get("imageId").asText()).isEqualTo("img-9");
        assertThat(delete.get("topic").asText()).isEqualTo(tevi);
        assertThat(delete.get("offset").asLong()).isEqualTo(1L);
    }

    @Test
    void consumeRefusesANonExistentTopic() {
        CommandRun run = run("consume", "--set", "bootstrap.servers=" + PLATFORM.bootstrapServers(),
                "--set", "schema.registry.url=" + PLATFORM.registryUrl(),
                "--set", "alignstream.topic.tevi=no-such-topic-" + TOPIC_SEQUENCE.incrementAndGet(),
                "--topic", "tevi", "--from-beginning", "--timeout", "1s");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("does not exist");
    }

    @Test
    void consumeStopsWithTheCoordinatesOfARecordItCannotRead() throws Exception {
        // given a TEVI topic holding a record that is not in the wire format
        String tevi = "consume-garbage-" + TOPIC_SEQUENCE.incrementAndGet();
        PLATFORM.kafka().createTopics(new NewTopic(tevi, 1, (short) 1));
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(tevi, null, "garbage".getBytes(StandardCharsets.UTF_8))).get();
        }

        // when it is exported
        CommandRun run = run("consume", "--set", "bootstrap.servers=" + PLATFORM.bootstrapServers(),
                "--set", "schema.registry.url=" + PLATFORM.registryUrl(), "--set", "alignstream.topic.tevi=" + tevi,
                "--topic", "tevi", "--from-beginning", "--timeout", "3s");

        // then it stops with an error naming the record
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Cannot read record " + tevi + "-0@0");
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Scenes 0..count-1 as scene-i.png under {@code images}, COCO ids 100+i, annotation ids 1000+2i(+1). */
    private Path cocoSample(Path images, int count) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode imageArray = root.putArray("images");
        ArrayNode annotations = root.putArray("annotations");
        for (int i = 0; i < count; i++) {
            Files.write(images.resolve("scene-" + i + ".png"), png(i));
            imageArray.addObject().put("id", 100 + i).put("file_name", "scene-" + i + ".png")
                    .put("width", SyntheticWorld.IMAGE_SIZE).put("height", SyntheticWorld.IMAGE_SIZE);
            for (int c = 0; c < 2; c++) {
                annotations.addObject().put("id", 1000 + 2 * i + c).put("image_id", 100 + i)
                        .put("caption", WORLD.sample(Split.TEST, i).webCaptions().get(c).text());
            }
        }
        Path file = dir.resolve("captions_val.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        return file;
    }

    private static byte[] png(int index) {
        return WORLD.sample(Split.TEST, index).image().toPng();
    }

    private record Topics(String images, String captions) {
        String[] args(String... command) {
            return concat(command, new String[] {
                    "--set", "bootstrap.servers=" + PLATFORM.bootstrapServers(),
                    "--set", "schema.registry.url=" + PLATFORM.registryUrl(),
                    "--set", "alignstream.topic.images=" + images,
                    "--set", "alignstream.topic.captions=" + captions});
        }
    }

    /** Output topics of the test's own, and the settings that point consume at them. */
    private record OutputTopics(String tevi, String alignVlm) {
        String[] connection() {
            return new String[] {"--set", "bootstrap.servers=" + PLATFORM.bootstrapServers(),
                    "--set", "schema.registry.url=" + PLATFORM.registryUrl(),
                    "--set", "alignstream.topic.tevi=" + tevi, "--set", "alignstream.topic.alignvlm=" + alignVlm};
        }
    }

    private static OutputTopics freshOutputTopics() {
        int n = TOPIC_SEQUENCE.incrementAndGet();
        OutputTopics topics = new OutputTopics("consume-tevi-" + n, "consume-alignvlm-" + n);
        PLATFORM.kafka().createTopics(new NewTopic(topics.tevi(), 1, (short) 1), new NewTopic(topics.alignVlm(), 1, (short) 1));
        return topics;
    }

    private static Topics freshTopics() {
        int n = TOPIC_SEQUENCE.incrementAndGet();
        Topics topics = new Topics("produce-images-" + n, "produce-captions-" + n);
        PLATFORM.kafka().createTopics(new NewTopic(topics.images, 1, (short) 1),
                new NewTopic(topics.captions, 1, (short) 1));
        return topics;
    }

    /** Up to {@code atMost} records of {@code topic}, read from the beginning until none come for a second. */
    private static List<ConsumerRecord<String, Object>> readAll(String topic, int atMost) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
             KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(Map.of("schema.registry.url", PLATFORM.registryUrl(),
                    "specific.avro.reader", true), false);
            var partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long quietSince = System.nanoTime();
            while (records.size() < atMost && System.nanoTime() < deadline
                    && System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    quietSince = System.nanoTime();
                    records.add(new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), record.key(),
                            deserializer.deserialize(topic, record.value())));
                }
            }
        }
        return records;
    }

    private static void publish(String topic, String key, Object value) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(Map.of("schema.registry.url", PLATFORM.registryUrl()), false);
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic, value)));
            producer.flush();
        }
    }

    private static TeviEmbedding teviEmbedding(String imageId, String captionId, float raw) {
        return TeviEmbedding.newBuilder()
                .setImageId(imageId)
                .setCaptionId(captionId)
                .setModel(ModelRef.newBuilder().setId("test-model").setVersion("1.0.0").build())
                .setCaptionEmbedding(List.of(1f, 0f))
                .setAlignedEmbedding(List.of(0.6f, 0.8f))
                .setRawImageEmbedding(List.of(0.8f, 0.6f))
                .setCodes(SparseCode.newBuilder().setDictionarySize(16).setIndices(List.of(2, 7))
                        .setValues(List.of(0.5f, 1.5f)).build())
                .setMask(MaskStatistics.newBuilder().setMean(0.1f).setDensity(0.125f).setActiveKept(0.75f).build())
                .setScores(SimilarityScores.newBuilder().setRaw(raw).setTevi(0.6f).build())
                .setEventTime(Instant.parse("2026-01-02T03:04:05Z"))
                .setProcessingTime(Instant.parse("2026-01-02T03:04:06Z"))
                .build();
    }

    private static AlignVlmEmbedding alignVlmEmbedding(String imageId, byte[] tokens) {
        return AlignVlmEmbedding.newBuilder()
                .setImageId(imageId)
                .setModel(ModelRef.newBuilder().setId("test-model").setVersion("1.0.0").build())
                .setTokenCount(2)
                .setTokenWidth(3)
                .setDtype(TensorDType.FLOAT32_LE)
                .setTokens(ByteBuffer.wrap(tokens))
                .setPooled(List.of(0.6f, 0.8f))
                .setTopWords(List.of(VocabularyWeight.newBuilder().setTokenId(4).setWord("circle").setWeight(0.3f).build()))
                .setEventTime(Instant.parse("2026-01-02T03:04:05Z"))
                .setProcessingTime(Instant.parse("2026-01-02T03:04:06Z"))
                .build();
    }

    private static List<Float> floats(JsonNode array) {
        List<Float> values = new ArrayList<>();
        array.forEach(value -> values.add(value.floatValue()));
        return values;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }
}

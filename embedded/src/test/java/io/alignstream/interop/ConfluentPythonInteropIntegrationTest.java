package io.alignstream.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with an independent implementation of Confluent's protocol: Debian's
 * python3-confluent-kafka, through its legacy {@code confluent_kafka.avro} AvroProducer,
 * AvroConsumer and CachedSchemaRegistryClient, against our embedded broker and registry.
 *
 * <p>Records it writes are read by our Serde, records our Serde writes are read by it, and it
 * finds our schemas by id. The script is {@code src/test/python/confluent_interop.py}; the
 * interpreter is {@code /usr/bin/python3} (Debian's, where the package lives) unless
 * {@code ALIGNSTREAM_PYTHON} names another. A missing package fails the test: CI installs it.
 */
class ConfluentPythonInteropIntegrationTest {
    private static final Path SCRIPT = Path.of("src/test/python/confluent_interop.py");
    private static final int RECORDS = 25;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    @TempDir
    Path work;

    @Test
    void recordsWrittenByConfluentsPythonProducerAreReadByOurSerde() throws Exception {
        // given captions of the synthetic world, handed to Confluent's AvroProducer as JSON
        String topic = "interop.python-to-java.captions";
        PLATFORM.kafka().createTopics(new NewTopic(topic, 2, (short) 1));
        List<CaptionEvent> sent = captions();
        Path records = work.resolve("records.jsonl");
        Files.write(records, sent.stream().map(ConfluentPythonInteropIntegrationTest::toJson).toList());
        Path schema = work.resolve("CaptionEvent.avsc");
        Files.writeString(schema, CaptionEvent.getClassSchema().toString());

        // when the Python producer sends them (Avro string key, CaptionEvent value)
        python("produce", "--topic", topic, "--value-schema", schema.toString(), "--records", records.toString());

        // then our deserializer reads every record, key and value, exactly as sent
        List<ConsumerRecord<Object, Object>> received = consumeWithOurSerde(topic, sent.size());
        assertThat(received).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(received).allSatisfy(r -> assertThat(r.key()).isEqualTo(((CaptionEvent) r.value()).getImageId()));
    }

    @Test
    void recordsWrittenByOurSerdeAreReadByConfluentsPythonConsumer() throws Exception {
        // given captions sent through our serializer (Avro string key, CaptionEvent value)
        String topic = "interop.java-to-python.captions";
        PLATFORM.kafka().createTopics(new NewTopic(topic, 2, (short) 1));
        List<CaptionEvent> sent = captions();
        int schemaId = produceWithOurSerde(topic, sent);

        // when Confluent's AvroConsumer reads the topic
        Path out = work.resolve("consumed.jsonl");
        python("consume", "--topic", topic, "--count", String.valueOf(sent.size()), "--output", out.toString());

        // then it decodes every record to the same fields
        List<JsonNode> consumed = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            consumed.add(JSON.readTree(line));
        }
        assertThat(consumed).hasSize(sent.size());
        assertThat(consumed).extracting(n -> n.get("value")).containsExactlyInAnyOrderElementsOf(
                sent.stream().map(ConfluentPythonInteropIntegrationTest::toJsonTree).toList());
        assertThat(consumed).allSatisfy(n -> assertThat(n.get("key").asText())
                .isEqualTo(n.get("value").get("imageId").asText()));

        // and its registry client finds our schema by the id in the records
        String lookup = python("lookup", "--id", String.valueOf(schemaId));
        JsonNode found = JSON.readTree(lookup.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(found.get("fullname").asText()).isEqualTo(CaptionEvent.getClassSchema().getFullName());
        assertThat(found.get("fields")).extracting(JsonNode::asText).containsExactlyElementsOf(
                CaptionEvent.getClassSchema().getFields().stream().map(f -> f.name()).toList());
    }

    private static List<CaptionEvent> captions() {
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(11), Split.TRAIN);
        Instant time = Instant.parse("2026-11-22T12:00:00.123Z");
        List<CaptionEvent> captions = new ArrayList<>();
        for (long scene = 0; captions.size() < RECORDS; scene++) {
            captions.addAll(events.scene(scene, time.plusSeconds(scene)).captions());
        }
        return List.copyOf(captions.subList(0, RECORDS));
    }

    private static String toJson(CaptionEvent caption) {
        Map<String, Object> json = new HashMap<>();
        json.put("captionId", caption.getCaptionId());
        json.put("imageId", caption.getImageId());
        json.put("text", caption.getText());
        json.put("kind", caption.getKind().name());
        json.put("language", caption.getLanguage());
        json.put("eventTime", caption.getEventTime().toEpochMilli());
        try {
            return JSON.writeValueAsString(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode toJsonTree(CaptionEvent caption) {
        try {
            return JSON.readTree(toJson(caption));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private int produceWithOurSerde(String topic, List<CaptionEvent> captions) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        config.put("schema.registry.url", PLATFORM.registryUrl());
        try (KafkaProducer<Object, Object> producer =
                     new KafkaProducer<>(config, serializer(config, true), serializer(config, false))) {
            for (CaptionEvent caption : captions) {
                producer.send(new ProducerRecord<>(topic, caption.getImageId(), caption)).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(consumerConfig("raw"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            raw.subscribe(List.of(topic));
            for (int polls = 0; polls < 60; polls++) {
                for (ConsumerRecord<byte[], byte[]> record : raw.poll(Duration.ofMillis(500))) {
                    return ByteBuffer.wrap(record.value(), 1, 4).getInt();
                }
            }
        }
        throw new AssertionError("no record on " + topic);
    }

    private static KafkaAvroSerializer serializer(Map<String, Object> config, boolean isKey) {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(config, isKey);
        return serializer;
    }

    private List<ConsumerRecord<Object, Object>> consumeWithOurSerde(String topic, int count) {
        Map<String, Object> config = consumerConfig("ours");
        config.put("schema.registry.url", PLATFORM.registryUrl());
        config.put("specific.avro.reader", true);
        KafkaAvroDeserializer keys = new KafkaAvroDeserializer();
        keys.configure(config, true);
        KafkaAvroDeserializer values = new KafkaAvroDeserializer();
        values.configure(config, false);
        List<ConsumerRecord<Object, Object>> received = new ArrayList<>();
        try (KafkaConsumer<Object, Object> consumer = new KafkaConsumer<>(config, keys, values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(received::add);
            }
        }
        return received;
    }

    private Map<String, Object> consumerConfig(String group) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "interop-" + group + "-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    /** Runs the Python client; fails the test with its output if it exits non-zero. */
    private String python(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                System.getenv().getOrDefault("ALIGNSTREAM_PYTHON", "/usr/bin/python3"), SCRIPT.toString(),
                "--bootstrap", PLATFORM.bootstrapServers(), "--registry", PLATFORM.registryUrl(), "--timeout", "60",
                command));
        cmd.addAll(List.of(args));
        Path log = work.resolve(command + ".log");
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("python " + command + " did not finish in 120 s:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as("python3 %s (needs Debian's python3-confluent-kafka, python3-avro, python3-requests):%n%s",
                        command, output)
                .isZero();
        return output;
    }
}

package io.alignstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.registry.client.IncompatibleSchemaException;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import io.alignstream.registry.client.SchemaRegistryException;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.registry.serde.UnknownMagicByteException;
import io.alignstream.registry.serde.UnknownSchemaIdException;
import io.alignstream.schemas.EventTopic;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our registry client and Serde against our embedded registry server on a real KRaft broker:
 * the behaviour a producing or consuming team relies on.
 */
class SchemaRegistryIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final SyntheticEventFactory EVENTS = new SyntheticEventFactory(new SyntheticWorld(7), Split.TRAIN);

    @Test
    void registeringTheSameSchemaAgainGivesTheSameId() {
        try (SchemaRegistryClient client = client(PLATFORM.registryUrl())) {
            // given the caption schema registered under its topic's subject
            String subject = EventTopic.valueSubject("it.register.captions");
            int first = client.register(subject, CaptionEvent.getClassSchema());

            // when it is registered again, by a fresh client with no cache
            int second;
            try (SchemaRegistryClient other = client(PLATFORM.registryUrl())) {
                second = other.register(subject, CaptionEvent.getClassSchema());
            }

            // then the id is the same and the subject still has one version
            assertThat(second).isEqualTo(first);
            assertThat(client.getAllVersions(subject)).containsExactly(1);
            assertThat(client.getSchemaById(first)).isEqualTo(CaptionEvent.getClassSchema());
        }
    }

    @Test
    void anIncompatibleChangeIsRefusedAndTheUserSeesTheRegistrysReason() {
        String topic = "it.incompatible.captions";
        Map<String, Object> config = serdeConfig(PLATFORM.registryUrl());
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(config, false);
            // given captions already flowing on the topic
            serializer.serialize(topic, EVENTS.scene(0, Instant.EPOCH).captions().get(0));

            // when a producer sends a record whose schema adds a field without a default
            GenericRecord changed = withRequiredExtraField(EVENTS.scene(1, Instant.EPOCH).captions().get(0));

            // then the send fails, and the message carries the registry's own explanation
            assertThatThrownBy(() -> serializer.serialize(topic, changed))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining(EventTopic.valueSubject(topic))
                    .rootCause()
                    .isInstanceOf(IncompatibleSchemaException.class)
                    .hasMessageContaining("reviewer");
        }
    }

    @Test
    void schemasAreFoundByIdAfterTheRegistryRestarts() {
        // given a registry of its own (its own storage topic) and a record written through it
        String storage = "_schemas_restart_test";
        String topic = "it.restart.images";
        byte[] written;
        int id;
        try (EmbeddedSchemaRegistry first = EmbeddedSchemaRegistry.builder()
                .bootstrapServers(PLATFORM.bootstrapServers()).topic(storage).start();
             KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(serdeConfig(first.url()), false);
            written = serializer.serialize(topic, EVENTS.scene(2, Instant.EPOCH).image());
            id = ByteBuffer.wrap(written, 1, 4).getInt();
        }

        // when a new registry process starts on the same storage topic
        try (EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.builder()
                .bootstrapServers(PLATFORM.bootstrapServers()).topic(storage).start();
             SchemaRegistryClient client = client(second.url());
             KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(specificReader(second.url()), false);

            // then the id still names the same schema, and the old record still reads
            assertThat(client.getSchemaById(id)).isEqualTo(EventTopic.IMAGES.valueSchema());
            assertThat(deserializer.deserialize(topic, written)).isEqualTo(EVENTS.scene(2, Instant.EPOCH).image());
            // and new schemas get new ids, above the old ones
            assertThat(client.register("it.restart.other-value", CaptionEvent.getClassSchema())).isGreaterThan(id);
        }
    }

    @Test
    void aRecordWithAnUnknownSchemaIdIsAClearError() {
        // given bytes in the wire format naming an id the registry never issued
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(987_654).put((byte) 0).array();

        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(specificReader(PLATFORM.registryUrl()), false);

            // when it is read, then the error names the id and the registry
            assertThatThrownBy(() -> deserializer.deserialize("it.unknown-id", bytes))
                    .isInstanceOf(UnknownSchemaIdException.class)
                    .hasMessageContaining("987654")
                    .hasMessageContaining(PLATFORM.registryUrl());
        }
    }

    @Test
    void aRecordNotInTheWireFormatIsAClearError() {
        // given a plain JSON value on an Avro topic
        byte[] bytes = "{\"imageId\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(specificReader(PLATFORM.registryUrl()), false);

            // when it is read, then the error says the magic byte is wrong
            assertThatThrownBy(() -> deserializer.deserialize("it.wrong-magic", bytes))
                    .isInstanceOf(UnknownMagicByteException.class)
                    .hasMessageContaining("0x7B").hasMessageContaining("looks like JSON");
        }
    }

    @Test
    void anUnreachableRegistryIsAClearErrorWithinABoundedWait() throws IOException {
        // given a registry URL where nothing listens, and a client allowed 2 retries 200 ms apart
        String url = "http://127.0.0.1:" + freePort();
        Map<String, Object> config = new HashMap<>(serdeConfig(url));
        config.put("max.retries", 2);
        config.put("retries.wait.ms", 200);
        config.put("retries.max.wait.ms", 400);
        config.put("http.connect.timeout.ms", 2_000);

        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(config)) {
            // when it is asked for a schema
            long start = System.nanoTime();
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> client.getSchemaById(1));
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            // then it gives up within the bound its settings imply, naming the URL and the attempts
            assertThat(thrown).isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining(url);
            assertThat(((SchemaRegistryUnavailableException) thrown).attempts()).isEqualTo(3);
            assertThat(waited).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnknownSubjectIsTheRegistrysNotFoundError() {
        try (SchemaRegistryClient client = client(PLATFORM.registryUrl())) {
            assertThatThrownBy(() -> client.getLatestSchemaMetadata("it.never-registered-value"))
                    .isInstanceOf(SchemaRegistryException.class)
                    .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40401));
        }
    }

    private static SchemaRegistryClient client(String url) {
        return SchemaRegistryClientFactory.create(Map.of("schema.registry.url", url));
    }

    private static Map<String, Object> serdeConfig(String url) {
        Map<String, Object> config = new HashMap<>();
        config.put("schema.registry.url", url);
        return config;
    }

    private static Map<String, Object> specificReader(String url) {
        Map<String, Object> config = serdeConfig(url);
        config.put("specific.avro.reader", true);
        return config;
    }

    /** The caption as a generic record of a schema with one more field, required (no default). */
    private static GenericRecord withRequiredExtraField(CaptionEvent caption) {
        String json = CaptionEvent.getClassSchema().toString();
        int fieldsEnd = json.lastIndexOf(']');
        Schema changed = new Schema.Parser().parse(json.substring(0, fieldsEnd)
                + ",{\"name\":\"reviewer\",\"type\":\"string\"}" + json.substring(fieldsEnd));
        GenericData.Record record = new GenericData.Record(changed);
        for (Schema.Field field : CaptionEvent.getClassSchema().getFields()) {
            Object value = caption.get(field.name());
            if (field.name().equals("kind")) {
                value = new GenericData.EnumSymbol(changed.getField("kind").schema(), value.toString());
            } else if (field.name().equals("eventTime")) {
                value = ((Instant) value).toEpochMilli();
            }
            record.put(field.name(), value);
        }
        record.put("reviewer", "someone");
        return record;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package io.alignstream.registry.serde;

import static io.alignstream.registry.serde.Captions.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.registry.client.EvolvedSchemas;
import io.alignstream.registry.client.FakeRegistry;
import io.alignstream.registry.client.FakeRegistry.Reply;
import io.alignstream.registry.client.InMemorySchemaRegistryClient;
import io.alignstream.registry.client.MockSchemaRegistry;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import io.alignstream.schemas.EventTopic;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Kafka Avro Serde")
class KafkaAvroSerdeTest {

    private static final String CAPTIONS_VALUE = EventTopic.valueSubject(TOPIC);

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    private static Map<String, Object> config(Object... keysAndValues) {
        Map<String, Object> config = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }

    private KafkaAvroSerializer serializer(Object... keysAndValues) {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry);
        serializer.configure(config(keysAndValues), false);
        return serializer;
    }

    private KafkaAvroDeserializer deserializer(Object... keysAndValues) {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry);
        deserializer.configure(config(keysAndValues), false);
        return deserializer;
    }

    @Nested
    @DisplayName("round trips")
    class RoundTrips {

        @Test
        @DisplayName("a generated CaptionEvent comes back equal through SpecificAvroSerde, in wire format")
        void specific() {
            CaptionEvent caption = Captions.caption();
            try (SpecificAvroSerde<CaptionEvent> serde = new SpecificAvroSerde<>(registry)) {
                serde.configure(Map.of(), false);

                byte[] bytes = serde.serializer().serialize(TOPIC, caption);
                CaptionEvent back = serde.deserializer().deserialize(TOPIC, bytes);

                assertThat(back).isEqualTo(caption);
                assertThat(back.getEventTime()).isEqualTo(Captions.WHEN);
                assertThat(bytes[0]).isZero();
                assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt())
                        .isEqualTo(registry.getId(CAPTIONS_VALUE, CaptionEvent.getClassSchema()));
            }
        }

        @Test
        @DisplayName("an ImageEvent with a union, a nullable int and a map comes back equal")
        void specificWithUnionsAndMaps() {
            ImageEvent image = Captions.image();
            try (SpecificAvroSerde<ImageEvent> serde = new SpecificAvroSerde<>(registry, ImageEvent.class)) {
                serde.configure(Map.of(), false);

                ImageEvent back = serde.deserializer().deserialize("alignstream.images",
                        serde.serializer().serialize("alignstream.images", image));

                assertThat(back).isEqualTo(image);
            }
        }

        @Test
        @DisplayName("a GenericRecord comes back as a GenericRecord through GenericAvroSerde")
        void generic() {
            GenericRecord caption = Captions.genericCaption();
            try (GenericAvroSerde serde = new GenericAvroSerde(registry)) {
                serde.configure(Map.of(), false);

                GenericRecord back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, caption));

                assertThat(back).isNotInstanceOf(CaptionEvent.class).isEqualTo(caption);
                assertThat(back.get("text")).hasToString("a red bicycle leaning on a stone wall");
            }
        }

        @Test
        @DisplayName("generic and specific are the same bytes: a generic producer feeds a specific consumer")
        void genericToSpecific() {
            byte[] fromGeneric = serializer().serialize(TOPIC, Captions.genericCaption());
            byte[] fromSpecific = serializer().serialize(TOPIC, Captions.caption());

            assertThat(fromGeneric).isEqualTo(fromSpecific);
            assertThat(deserializer("specific.avro.reader", true).deserialize(TOPIC, fromGeneric))
                    .isEqualTo(Captions.caption());
        }

        @Test
        @DisplayName("with specific.avro.reader, an older writer schema is resolved against the generated class")
        void resolvesOlderWriters() {
            GenericRecord old = Captions.genericCaption(EvolvedSchemas.captionWithoutLanguage());
            registry.updateCompatibility(CAPTIONS_VALUE, "NONE");
            byte[] bytes = serializer().serialize(TOPIC, old);

            Object back = deserializer("specific.avro.reader", "true").deserialize(TOPIC, bytes);

            assertThat(back).isInstanceOf(CaptionEvent.class);
            assertThat(((CaptionEvent) back).getLanguage()).as("the reader's default").isEqualTo("en");
            assertThat(((CaptionEvent) back).getText()).isEqualTo("a red bicycle leaning on a stone wall");
        }

        @Test
        @DisplayName("generic records use Java logical types when avro.use.logical.type.converters is on")
        void logicalTypes() {
            byte[] bytes = serializer().serialize(TOPIC, Captions.caption());

            GenericRecord plain = (GenericRecord) deserializer().deserialize(TOPIC, bytes);
            GenericRecord converted = (GenericRecord) deserializer("avro.use.logical.type.converters", true)
                    .deserialize(TOPIC, bytes);

            assertThat(plain.get("eventTime")).isEqualTo(Captions.WHEN.toEpochMilli());
            assertThat(converted.get("eventTime")).isEqualTo(Captions.WHEN);
        }

        @Test
        @DisplayName("primitive keys: a String key is registered under <topic>-key and comes back as a String")
        void primitiveKeys() {
            KafkaAvroSerializer keys = new KafkaAvroSerializer(registry);
            keys.configure(Map.of(), true);
            KafkaAvroDeserializer keyReader = new KafkaAvroDeserializer(registry);
            keyReader.configure(Map.of(), true);

            Object back = keyReader.deserialize(TOPIC, keys.serialize(TOPIC, "img-1"));
            Object number = keyReader.deserialize(TOPIC, keys.serialize("counts", 42L));
            Object raw = keyReader.deserialize(TOPIC, keys.serialize("blobs", new byte[] {1, 2, 3}));

            assertThat(back).isEqualTo("img-1");
            assertThat(number).isEqualTo(42L);
            assertThat(raw).isEqualTo(new byte[] {1, 2, 3});
            assertThat(registry.getAllSubjects()).contains(EventTopic.keySubject(TOPIC), "counts-key", "blobs-key");
        }

        @Test
        @DisplayName("null is a tombstone both ways")
        void tombstones() {
            try (SpecificAvroSerde<CaptionEvent> serde = new SpecificAvroSerde<>(registry)) {
                serde.configure(Map.of(), false);

                assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
                assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
            }
            assertThat(registry.getAllSubjects()).isEmpty();
        }

        @Test
        @DisplayName("schema.registry.url=mock://<scope> shares one in-memory registry between Serdes and the test")
        void mockScope() {
            try (GenericAvroSerde producer = new GenericAvroSerde(); SpecificAvroSerde<CaptionEvent> consumer =
                    new SpecificAvroSerde<>()) {
                producer.configure(Map.of("schema.registry.url", "mock://serde-test"), false);
                consumer.configure(Map.of("schema.registry.url", "mock://serde-test"), false);

                byte[] bytes = producer.serializer().serialize(TOPIC, Captions.genericCaption());

                assertThat(consumer.deserializer().deserialize(TOPIC, bytes)).isEqualTo(Captions.caption());
                assertThat(MockSchemaRegistry.clientForScope("serde-test").getAllSubjects())
                        .containsExactly(CAPTIONS_VALUE);
            } finally {
                MockSchemaRegistry.dropScope("serde-test");
            }
        }
    }

    @Nested
    @DisplayName("refuses bytes it cannot trust, saying why")
    class BadBytes {

        @Test
        @DisplayName("wrong magic byte")
        void wrongMagicByte() {
            byte[] bytes = serializer().serialize(TOPIC, Captions.caption());
            bytes[0] = 0x2A;

            assertThatThrownBy(() -> deserializer().deserialize(TOPIC, bytes))
                    .isInstanceOf(UnknownMagicByteException.class)
                    .hasMessageContaining("Unknown magic byte 0x2A")
                    .hasMessageContaining("not Confluent wire format");
        }

        @Test
        @DisplayName("payload too short for the header")
        void tooShort() {
            byte[] bytes = Arrays.copyOf(serializer().serialize(TOPIC, Captions.caption()), 4);

            assertThatThrownBy(() -> deserializer().deserialize(TOPIC, bytes))
                    .isInstanceOf(PayloadTooShortException.class)
                    .hasMessageContaining("too short for Confluent wire format");
        }

        @Test
        @DisplayName("an id the registry does not know names the id and the registry")
        void unknownId() {
            byte[] bytes = serializer().serialize(TOPIC, Captions.caption());
            KafkaAvroDeserializer otherRegistry = new KafkaAvroDeserializer(new InMemorySchemaRegistryClient());

            assertThatThrownBy(() -> otherRegistry.deserialize(TOPIC, bytes))
                    .isInstanceOf(UnknownSchemaIdException.class)
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Schema id 1 of a record from topic 'alignstream.captions'")
                    .hasMessageContaining("is not known to an in-memory Schema Registry");
        }

        @Test
        @DisplayName("Avro data cut short fails as a SerializationException naming the writer schema")
        void truncatedData() {
            byte[] full = serializer().serialize(TOPIC, Captions.caption());
            byte[] cut = Arrays.copyOf(full, full.length - 8);

            assertThatThrownBy(() -> deserializer().deserialize(TOPIC, cut))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("io.alignstream.events.CaptionEvent (id 1)");
        }

        @Test
        @DisplayName("a writer record without a generated class, with specific.avro.reader, says what to do")
        void noGeneratedClass() {
            Schema unknown = SchemaBuilder.record("RetiredEvent").namespace("io.alignstream.events").fields()
                    .requiredString("id").endRecord();
            byte[] bytes = serializer().serialize("alignstream.retired",
                    new GenericRecordBuilder(unknown).set("id", "r-1").build());

            assertThatThrownBy(() -> deserializer("specific.avro.reader", true).deserialize("alignstream.retired", bytes))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("no generated Avro class io.alignstream.events.RetiredEvent")
                    .hasMessageContaining("specific.avro.reader=false");
        }

        @Test
        @DisplayName("when Avro refuses the generated class, the message names org.apache.avro.SERIALIZABLE_PACKAGES")
        void untrustedPackage() {
            byte[] bytes = serializer().serialize(TOPIC, Captions.caption());
            ClassSecurityValidator.ClassSecurityPredicate trusted = ClassSecurityValidator.getGlobal();
            ClassSecurityValidator.setGlobal(type -> !type.getName().startsWith("io.alignstream."));
            try {
                Throwable thrown = catchThrowable(() -> deserializer("specific.avro.reader", true).deserialize(TOPIC, bytes));

                assertThat(thrown).isInstanceOf(SerializationException.class)
                        .hasMessageContaining("Avro refused to create io.alignstream.events.CaptionEvent")
                        .hasMessageContaining("org.apache.avro.SERIALIZABLE_PACKAGES")
                        .hasMessageContaining("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.alignstream.events");
            } finally {
                ClassSecurityValidator.setGlobal(trusted);
            }
        }
    }

    @Nested
    @DisplayName("registration")
    class Registration {

        @Test
        @DisplayName("auto.register.schemas=false with an unregistered schema fails, saying what to do")
        void unregistered() {
            KafkaAvroSerializer serializer = serializer("auto.register.schemas", false);

            assertThatThrownBy(() -> serializer.serialize(TOPIC, Captions.caption()))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Schema io.alignstream.events.CaptionEvent of the data for topic "
                            + "'alignstream.captions' is not registered under subject 'alignstream.captions-value'")
                    .hasMessageContaining("auto.register.schemas=false")
                    .hasMessageContaining("use.latest.version=true");
            assertThat(registry.getAllSubjects()).isEmpty();
        }

        @Test
        @DisplayName("auto.register.schemas=false uses the id of the registered schema and registers nothing")
        void registered() {
            int id = registry.register(CAPTIONS_VALUE, CaptionEvent.getClassSchema());

            byte[] bytes = serializer("auto.register.schemas", "false").serialize(TOPIC, Captions.caption());

            assertThat(WireFormat.schemaId(bytes, TOPIC)).isEqualTo(id);
            assertThat(registry.getAllVersions(CAPTIONS_VALUE)).containsExactly(1);
        }

        @Test
        @DisplayName("use.latest.version=true writes with the subject's latest schema")
        void latestVersion() {
            registry.register(CAPTIONS_VALUE, CaptionEvent.getClassSchema());
            int latest = registry.register(CAPTIONS_VALUE, EvolvedSchemas.captionWithDefaultedField());

            byte[] bytes = serializer("auto.register.schemas", false, "use.latest.version", true)
                    .serialize(TOPIC, Captions.caption());
            GenericRecord back = (GenericRecord) deserializer().deserialize(TOPIC, bytes);

            assertThat(WireFormat.schemaId(bytes, TOPIC)).isEqualTo(latest);
            assertThat(back.get("moderation")).hasToString("unreviewed");
            assertThat(back.get("captionId")).hasToString("cap-1");
        }

        @Test
        @DisplayName("use.latest.version=true on a subject without versions fails, naming the subject")
        void latestVersionOfNothing() {
            KafkaAvroSerializer serializer = serializer("auto.register.schemas", false, "use.latest.version", true);

            assertThatThrownBy(() -> serializer.serialize(TOPIC, Captions.caption()))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("subject 'alignstream.captions-value'")
                    .hasMessageContaining("has no versions");
        }

        @Test
        @DisplayName("an incompatible schema fails with the registry's explanation")
        void incompatible() {
            registry.register(CAPTIONS_VALUE, CaptionEvent.getClassSchema());
            GenericRecord breaking = Captions.genericCaption(EvolvedSchemas.captionWithRequiredField());

            assertThatThrownBy(() -> serializer().serialize(TOPIC, breaking))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Could not register schema io.alignstream.events.CaptionEvent under subject "
                            + "'alignstream.captions-value'")
                    .hasMessageContaining("incompatible with an earlier schema")
                    .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");
        }

        @Test
        @DisplayName("data that does not fit its own schema fails as a SerializationException")
        void invalidData() {
            CaptionEvent broken = Captions.caption();
            broken.setText(null);

            assertThatThrownBy(() -> serializer().serialize(TOPIC, broken))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Could not write a io.alignstream.events.CaptionEvent");
        }

        @Test
        @DisplayName("unsupported Java types are refused with the list of supported ones")
        void unsupportedType() {
            assertThatThrownBy(() -> serializer().serialize(TOPIC, Instant.now()))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Cannot serialize a java.time.Instant");
        }
    }

    @Nested
    @DisplayName("with a REST registry")
    class OverRest {

        @Test
        @DisplayName("registers once and fetches each id once, however many records go through")
        void cachesAcrossRecords() {
            try (FakeRegistry fake = FakeRegistry.start()) {
                fake.on("POST", "/subjects/alignstream.captions-value/versions", Reply.ok("{\"id\":11}"));
                fake.on("GET", "/schemas/ids/11",
                        Reply.ok("{\"schema\":" + new com.fasterxml.jackson.databind.node.TextNode(
                                CaptionEvent.getClassSchema().toString()) + "}"));
                Map<String, Object> settings = Map.of("schema.registry.url", fake.url(), "specific.avro.reader", true);
                try (SpecificAvroSerde<CaptionEvent> producer = new SpecificAvroSerde<>();
                     SpecificAvroSerde<CaptionEvent> consumer = new SpecificAvroSerde<>()) {
                    producer.configure(settings, false);
                    consumer.configure(settings, false);

                    for (int i = 0; i < 3; i++) {
                        byte[] bytes = producer.serializer().serialize(TOPIC, Captions.caption());
                        assertThat(WireFormat.schemaId(bytes, TOPIC)).isEqualTo(11);
                        assertThat(consumer.deserializer().deserialize(TOPIC, bytes)).isEqualTo(Captions.caption());
                    }
                }
                assertThat(fake.requests()).extracting(FakeRegistry.Request::path)
                        .containsExactly("/subjects/alignstream.captions-value/versions", "/schemas/ids/11");
            }
        }

        @Test
        @DisplayName("an unreachable registry is not mistaken for a bad record: it passes through unwrapped")
        void unavailableIsNotASerializationError() {
            byte[] bytes = serializer().serialize(TOPIC, Captions.caption());
            KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
            deserializer.configure(Map.of("schema.registry.url", FakeRegistry.refusingUrl(), "max.retries", 1,
                    "retries.wait.ms", 10, "http.connect.timeout.ms", 500, "http.read.timeout.ms", 500), false);
            try {
                assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                        .isInstanceOf(SchemaRegistryUnavailableException.class)
                        .isNotInstanceOf(SerializationException.class)
                        .hasMessageContaining("Fetching schema id 1 failed");
            } finally {
                deserializer.close();
            }
        }
    }

    @Nested
    @DisplayName("closes the registry client it built, and only that")
    class ClientOwnership {

        @Test
        @DisplayName("a client passed to a serializer, a deserializer or a Serde is never closed by them")
        void givenClientsStayOpen() {
            RegistryClientHolderTest.CountingClient given = new RegistryClientHolderTest.CountingClient();
            KafkaAvroSerializer serializer = new KafkaAvroSerializer(given);
            KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(given);
            GenericAvroSerde serde = new GenericAvroSerde(given);
            serializer.configure(Map.of(), false);
            deserializer.configure(Map.of(), false);
            serde.configure(Map.of(), false);

            serializer.close();
            deserializer.close();
            serde.close();

            assertThat(given.closes).isZero();
        }

        @Test
        @DisplayName("a serializer closes the client it built from schema.registry.url, and builds a new one when "
                + "configured again")
        void serializerClosesWhatItBuilt() {
            try (FakeRegistry fake = FakeRegistry.start()) {
                fake.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":11}"));
                KafkaAvroSerializer serializer = new KafkaAvroSerializer();
                serializer.configure(Map.of("schema.registry.url", fake.url()), false);
                serializer.serialize(TOPIC, Captions.caption());

                serializer.close();

                assertThatThrownBy(() -> serializer.serialize(TOPIC, Captions.caption()))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("KafkaAvroSerializer is not configured");
                serializer.configure(Map.of("schema.registry.url", fake.url()), false);
                assertThat(WireFormat.schemaId(serializer.serialize(TOPIC, Captions.caption()), TOPIC)).isEqualTo(11);
                serializer.close();
                assertThat(fake.requestCount()).as("the new client starts with an empty cache").isEqualTo(2);
            }
        }

        @Test
        @DisplayName("a Serde builds one client for both halves from schema.registry.url, and closing the Serde "
                + "closes it")
        void serdeSharesOneClientAndClosesIt() {
            try (FakeRegistry fake = FakeRegistry.start()) {
                fake.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":11}"));
                SpecificAvroSerde<CaptionEvent> serde = new SpecificAvroSerde<>();
                serde.configure(Map.of("schema.registry.url", fake.url()), false);

                byte[] bytes = serde.serializer().serialize(TOPIC, Captions.caption());
                CaptionEvent back = serde.deserializer().deserialize(TOPIC, bytes);
                serde.close();

                assertThat(back).isEqualTo(Captions.caption());
                assertThat(fake.requests()).extracting(FakeRegistry.Request::path)
                        .as("the deserializer found id 11 in the cache the serializer filled: one client")
                        .containsExactly("/subjects/" + CAPTIONS_VALUE + "/versions");
                assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, Captions.caption()))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, bytes))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            }
        }
    }

    @Nested
    @DisplayName("configuration")
    class Configuration {

        @Test
        @DisplayName("a specific.avro.value.type that is not a generated class is refused")
        void specificTypeMustBeGenerated() {
            KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry);

            assertThatThrownBy(() -> deserializer.configure(Map.of("specific.avro.value.type", String.class), false))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("specific.avro.value.type");
        }

        @Test
        @DisplayName("a Serde without a client or a schema.registry.url refuses to start")
        void needsARegistry() {
            try (GenericAvroSerde serde = new GenericAvroSerde()) {
                assertThatThrownBy(() -> serde.configure(Map.of(), false))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining("schema.registry.url is not set");
            }
        }
    }
}

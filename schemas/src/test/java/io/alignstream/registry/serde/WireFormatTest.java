package io.alignstream.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.registry.client.InMemorySchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WireFormat: magic byte 0, 4-byte big-endian schema id, Avro binary")
class WireFormatTest {

    @Test
    @DisplayName("the header is the magic byte then the id, big-endian")
    void header() {
        assertThat(WireFormat.header(0x01020304)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    @DisplayName("reads the id back from what the serializer wrote")
    void readsId() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        registry.register("padding", org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG));
        byte[] payload = new KafkaAvroSerializer(registry).serialize(Captions.TOPIC, Captions.caption());

        int id = WireFormat.schemaId(payload, Captions.TOPIC);

        assertThat(id).isEqualTo(2).isEqualTo(registry.getId("alignstream.captions-value",
                Captions.caption().getSchema()));
        assertThat(payload[0]).isZero();
    }

    @Test
    @DisplayName("a payload that does not start with 0 is not wire format: says so, with the byte in hex")
    void unknownMagicByte() {
        byte[] json = Captions.caption().toString().getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> WireFormat.schemaId(json, Captions.TOPIC))
                .isInstanceOf(UnknownMagicByteException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("Unknown magic byte 0x7B")
                .hasMessageContaining("not Confluent wire format")
                .hasMessageContaining("topic 'alignstream.captions'")
                .hasMessageContaining("looks like JSON");
    }

    @Test
    @DisplayName("a payload shorter than the header is too short, whatever its first byte")
    void tooShort() {
        byte[] payload = new KafkaAvroSerializer(new InMemorySchemaRegistryClient())
                .serialize(Captions.TOPIC, Captions.caption());

        assertThatThrownBy(() -> WireFormat.schemaId(Arrays.copyOf(payload, 3), Captions.TOPIC))
                .isInstanceOf(PayloadTooShortException.class)
                .hasMessageContaining("3-byte record from topic 'alignstream.captions' is too short")
                .hasMessageContaining("at least 5 bytes");
        assertThatThrownBy(() -> WireFormat.schemaId(new byte[0], Captions.TOPIC))
                .isInstanceOf(PayloadTooShortException.class);
    }
}

package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.embedded.registry.SchemaLogCodec.Encoded;
import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilityRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilitySet;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionWritten;
import org.junit.jupiter.api.Test;

/** Specification of the {@code _schemas} record format (Confluent's keys and values). */
class SchemaLogCodecTest {

    private final SchemaLogCodec codec = new SchemaLogCodec();

    @Test
    void aSchemaVersionIsKeyedBySubjectAndVersion() {
        SchemaVersion v = new SchemaVersion("users-value", 2, 7, "\"string\"", false);

        Encoded encoded = codec.encode(new SchemaVersionWritten(v));

        assertThat(encoded.key())
                .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"users-value\",\"version\":2,"
                        + "\"magic\":1}");
        assertThat(encoded.value())
                .isEqualTo("{\"subject\":\"users-value\",\"version\":2,\"id\":7,"
                        + "\"schema\":\"\\\"string\\\"\",\"deleted\":false}");
        assertThat(codec.decode(encoded.key(), encoded.value()))
                .contains(new SchemaVersionWritten(v));
    }

    @Test
    void theGlobalLevelHasANullSubjectAndRemovalsAreTombstones() {
        Encoded global = codec.encode(new CompatibilitySet(null, CompatibilityLevel.FULL));
        Encoded removed = codec.encode(new SchemaVersionRemoved("users-value", 1));

        assertThat(global.key()).isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
        assertThat(global.value()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
        assertThat(removed.value()).isNull();
        assertThat(codec.decode(global.key(), null)).contains(new CompatibilityRemoved(null));
        assertThat(codec.decode(removed.key(), null))
                .contains(new SchemaVersionRemoved("users-value", 1));
    }

    @Test
    void recordsThatAreNotOursAreSkipped() {
        assertThat(codec.decode("{\"keytype\":\"NOOP\",\"magic\":0}", null)).isEmpty();
        assertThat(codec.decode("{\"keytype\":\"SCHEMA\",\"subject\":\"p\",\"version\":1,"
                + "\"magic\":1}", "{\"subject\":\"p\",\"version\":1,\"id\":3,"
                + "\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"))
                .isEmpty();
        assertThat(codec.decode("not json", "{}")).isEmpty();
    }
}

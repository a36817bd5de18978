package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilityRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilitySet;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionWritten;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes {@link SchemaLogRecord}s as the JSON keys and values of Confluent's {@code _schemas}
 * topic, and decodes them back:
 *
 * <pre>
 * {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
 *     -> {"subject":"s","version":1,"id":7,"schema":"...","deleted":false}   (null: tombstone)
 * {"keytype":"CONFIG","subject":"s","magic":0}       (subject null: the global level)
 *     -> {"compatibilityLevel":"FULL"}                                         (null: removed)
 * </pre>
 *
 * Records of other key types (NOOP, MODE, DELETE_SUBJECT, ...) are skipped when decoding.
 */
final class SchemaLogCodec {

    private static final Logger log = LoggerFactory.getLogger(SchemaLogCodec.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A key and value as stored; {@code value} is null for a tombstone. */
    record Encoded(String key, String value) {
    }

    Encoded encode(SchemaLogRecord record) {
        if (record instanceof SchemaVersionWritten written) {
            SchemaVersion v = written.version();
            ObjectNode value = JSON.createObjectNode()
                    .put("subject", v.subject())
                    .put("version", v.version())
                    .put("id", v.id())
                    .put("schema", v.schema())
                    .put("deleted", v.deleted());
            return new Encoded(schemaKey(v.subject(), v.version()), write(value));
        }
        if (record instanceof SchemaVersionRemoved removed) {
            return new Encoded(schemaKey(removed.subject(), removed.version()), null);
        }
        if (record instanceof CompatibilitySet set) {
            ObjectNode value = JSON.createObjectNode()
                    .put("compatibilityLevel", set.level().name());
            return new Encoded(configKey(set.subject()), write(value));
        }
        if (record instanceof CompatibilityRemoved removed) {
            return new Encoded(configKey(removed.subject()), null);
        }
        throw new IllegalArgumentException("Unknown record " + record);
    }

    /** The record stored under {@code key} and {@code value}; empty for what is not ours. */
    Optional<SchemaLogRecord> decode(String key, String value) {
        try {
            JsonNode k = JSON.readTree(key);
            String keyType = k.path("keytype").asText("");
            String subject = k.hasNonNull("subject") ? k.get("subject").asText() : null;
            switch (keyType) {
                case "SCHEMA": {
                    int version = k.path("version").asInt();
                    if (value == null) {
                        return Optional.of(new SchemaVersionRemoved(subject, version));
                    }
                    JsonNode v = JSON.readTree(value);
                    String schemaType = v.path("schemaType").asText("AVRO");
                    if (!"AVRO".equals(schemaType)) {
                        log.warn("Skipping {} schema {} version {}: only AVRO is supported",
                                schemaType, subject, version);
                        return Optional.empty();
                    }
                    return Optional.of(new SchemaVersionWritten(new SchemaVersion(
                            v.path("subject").asText(subject),
                            v.path("version").asInt(version),
                            v.path("id").asInt(),
                            v.path("schema").asText(),
                            v.path("deleted").asBoolean(false))));
                }
                case "CONFIG": {
                    if (value == null) {
                        return Optional.of(new CompatibilityRemoved(subject));
                    }
                    JsonNode v = JSON.readTree(value);
                    String level = v.path("compatibilityLevel").asText(v.path("compatibility")
                            .asText(""));
                    return CompatibilityLevel.named(level)
                            .map(l -> (SchemaLogRecord) new CompatibilitySet(subject, l));
                }
                default:
                    return Optional.empty();
            }
        } catch (JsonProcessingException e) {
            log.warn("Skipping an unreadable schema log record {} -> {}: {}", key, value,
                    e.getOriginalMessage());
            return Optional.empty();
        }
    }

    private static String schemaKey(String subject, int version) {
        return write(JSON.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", subject)
                .put("version", version)
                .put("magic", 1));
    }

    private static String configKey(String subject) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        return write(key.put("magic", 0));
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

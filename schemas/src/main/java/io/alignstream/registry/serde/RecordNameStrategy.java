package io.alignstream.registry.serde;

import org.apache.avro.Schema;

/**
 * The subject is the record's full name (e.g. {@code io.alignstream.events.CaptionEvent}),
 * whatever the topic: one record type evolves the same way on every topic, and a topic may
 * carry several record types. Needs a named schema (record, enum or fixed).
 */
public class RecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return fullName(schema, getClass().getSimpleName());
    }

    static String fullName(Schema schema, String strategy) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            default -> throw new org.apache.kafka.common.errors.SerializationException(strategy
                    + " needs a named Avro type (record, enum or fixed) but the data's schema is '"
                    + schema.getType().getName() + "'; use TopicNameStrategy for primitive keys or values");
        };
    }
}

package io.alignstream.registry.serde;

import org.apache.avro.Schema;

/**
 * Chooses the Schema Registry subject a record's schema is registered and looked up under.
 * Implementations need a public no-argument constructor to be named in configuration
 * ({@code key.subject.name.strategy}, {@code value.subject.name.strategy}).
 */
public interface SubjectNameStrategy {

    /**
     * @param topic  the topic the record is written to
     * @param isKey  whether the record is a key
     * @param schema the record's schema
     * @return the subject
     */
    String subjectName(String topic, boolean isKey, Schema schema);
}

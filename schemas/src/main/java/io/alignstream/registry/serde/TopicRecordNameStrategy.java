package io.alignstream.registry.serde;

import org.apache.avro.Schema;

/**
 * The subject is {@code <topic>-<record full name>}: several record types per topic, each
 * evolving on its own, and independently per topic. Needs a named schema.
 */
public class TopicRecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return topic + "-" + RecordNameStrategy.fullName(schema, getClass().getSimpleName());
    }
}

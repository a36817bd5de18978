package io.alignstream.registry.serde;

import io.alignstream.schemas.EventTopic;
import org.apache.avro.Schema;

/**
 * The default: the subject is {@code <topic>-key} or {@code <topic>-value}, so a topic has one
 * key schema and one value schema, evolving under the subject's compatibility level. The naming
 * is {@link EventTopic}'s, alignstream's single definition of it.
 */
public class TopicNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return isKey ? EventTopic.keySubject(topic) : EventTopic.valueSubject(topic);
    }
}

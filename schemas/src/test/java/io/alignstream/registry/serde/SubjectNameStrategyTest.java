package io.alignstream.registry.serde;

import static io.alignstream.registry.serde.Captions.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.events.CaptionEvent;
import io.alignstream.registry.client.InMemorySchemaRegistryClient;
import io.alignstream.schemas.EventTopic;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Subject name strategies")
class SubjectNameStrategyTest {

    private static final Schema CAPTION = CaptionEvent.getClassSchema();

    @Test
    @DisplayName("TopicNameStrategy is EventTopic's <topic>-value / <topic>-key")
    void topicName() {
        TopicNameStrategy strategy = new TopicNameStrategy();

        assertThat(strategy.subjectName(TOPIC, false, CAPTION))
                .isEqualTo("alignstream.captions-value")
                .isEqualTo(EventTopic.CAPTIONS.defaultValueSubject());
        assertThat(strategy.subjectName(TOPIC, true, CAPTION)).isEqualTo(EventTopic.keySubject(TOPIC));
    }

    @Test
    @DisplayName("RecordNameStrategy is the record's full name; TopicRecordNameStrategy prefixes the topic")
    void recordNames() {
        assertThat(new RecordNameStrategy().subjectName(TOPIC, false, CAPTION))
                .isEqualTo("io.alignstream.events.CaptionEvent");
        assertThat(new TopicRecordNameStrategy().subjectName(TOPIC, false, CAPTION))
                .isEqualTo("alignstream.captions-io.alignstream.events.CaptionEvent");
    }

    @Test
    @DisplayName("record-based strategies refuse primitives, pointing to TopicNameStrategy")
    void recordNamesNeedRecords() {
        assertThatThrownBy(() -> new RecordNameStrategy().subjectName(TOPIC, true, Schema.create(Schema.Type.STRING)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("needs a named Avro type")
                .hasMessageContaining("use TopicNameStrategy");
    }

    @ParameterizedTest(name = "value.subject.name.strategy={0} registers under {1}")
    @CsvSource({
            "TopicNameStrategy, alignstream.captions-value",
            "io.alignstream.registry.serde.TopicNameStrategy, alignstream.captions-value",
            "io.confluent.kafka.serializers.subject.TopicNameStrategy, alignstream.captions-value",
            "RecordNameStrategy, io.alignstream.events.CaptionEvent",
            "io.confluent.kafka.serializers.subject.RecordNameStrategy, io.alignstream.events.CaptionEvent",
            "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy, "
                    + "alignstream.captions-io.alignstream.events.CaptionEvent",
    })
    void configuredByName(String strategy, String subject) {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry);
        serializer.configure(Map.of("value.subject.name.strategy", strategy), false);

        serializer.serialize(TOPIC, Captions.caption());

        assertThat(registry.getAllSubjects()).containsExactly(subject);
    }

    @Test
    @DisplayName("keys have their own strategy, which may be given as a Class")
    void keyStrategy() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry);
        serializer.configure(Map.of("key.subject.name.strategy", RecordNameStrategy.class,
                "value.subject.name.strategy", "TopicNameStrategy"), true);

        serializer.serialize(TOPIC, Captions.caption());

        assertThat(registry.getAllSubjects()).containsExactly("io.alignstream.events.CaptionEvent");
    }

    @Test
    @DisplayName("an unknown strategy is a configuration error listing the known ones")
    void unknownStrategy() {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(new InMemorySchemaRegistryClient());

        assertThatThrownBy(() -> serializer.configure(Map.of("value.subject.name.strategy", "TopicNamesStrategy"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("value.subject.name.strategy")
                .hasMessageContaining("TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy");
        assertThatThrownBy(() -> serializer.configure(Map.of("value.subject.name.strategy", "java.lang.String"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not implement io.alignstream.registry.serde.SubjectNameStrategy");
    }
}

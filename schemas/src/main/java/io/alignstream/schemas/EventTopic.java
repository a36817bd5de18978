package io.alignstream.schemas;

import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one place that names alignstream's topics, the record each carries, and its Schema
 * Registry subject. Topic names can be overridden by configuration; the defaults are here and
 * nowhere else. Keys are plain UTF-8 strings (the image id), values are Avro in the Confluent
 * wire format, registered under the TopicNameStrategy subject {@code <topic>-value}.
 */
public enum EventTopic {
    IMAGES("alignstream.images", ImageEvent.class, ImageEvent.getClassSchema(),
            "Image events in, keyed by imageId."),
    CAPTIONS("alignstream.captions", CaptionEvent.class, CaptionEvent.getClassSchema(),
            "Caption events in, keyed by imageId so a caption meets its image on one partition."),
    TEVI_EMBEDDINGS("alignstream.embeddings.tevi", TeviEmbedding.class, TeviEmbedding.getClassSchema(),
            "TEVI-aligned embeddings out, one per (image, caption), keyed by imageId."),
    ALIGNVLM_EMBEDDINGS("alignstream.embeddings.alignvlm", AlignVlmEmbedding.class,
            AlignVlmEmbedding.getClassSchema(), "AlignVLM-projected embeddings out, one per image."),
    RETRIEVAL_QUALITY("alignstream.monitoring.retrieval-quality", RetrievalQualityReport.class,
            RetrievalQualityReport.getClassSchema(), "Windowed retrieval-quality reports."),
    DEAD_LETTERS("alignstream.dead-letters", DeadLetter.class, DeadLetter.getClassSchema(),
            "Records the service could not process, with the reason.");

    private final String defaultName;
    private final Class<? extends SpecificRecord> valueClass;
    private final Schema valueSchema;
    private final String description;

    EventTopic(String defaultName, Class<? extends SpecificRecord> valueClass, Schema valueSchema,
               String description) {
        this.defaultName = defaultName;
        this.valueClass = valueClass;
        this.valueSchema = valueSchema;
        this.description = description;
    }

    /** The topic name used unless configuration says otherwise. */
    public String defaultName() {
        return defaultName;
    }

    /** The generated Avro class of this topic's values. */
    public Class<? extends SpecificRecord> valueClass() {
        return valueClass;
    }

    /** The current (writer) schema of this topic's values. */
    public Schema valueSchema() {
        return valueSchema;
    }

    public String description() {
        return description;
    }

    /** The value subject of this topic under its default name. */
    public String defaultValueSubject() {
        return valueSubject(defaultName);
    }

    /** Confluent's TopicNameStrategy: the value subject of a topic is {@code <topic>-value}. */
    public static String valueSubject(String topicName) {
        return topicName + "-value";
    }

    /** Confluent's TopicNameStrategy: the key subject of a topic is {@code <topic>-key}. */
    public static String keySubject(String topicName) {
        return topicName + "-key";
    }
}

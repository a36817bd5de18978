package io.alignstream.schemas;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The names of alignstream's topics as configured ({@code alignstream.topic.*}); {@link #defaults()}
 * are {@link EventTopic#defaultName()}.
 */
public record TopicNames(String images, String captions, String tevi, String alignVlm, String deadLetters,
                         String retrievalQuality) {

    public TopicNames {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(captions, "captions");
        Objects.requireNonNull(tevi, "tevi");
        Objects.requireNonNull(alignVlm, "alignVlm");
        Objects.requireNonNull(deadLetters, "deadLetters");
        Objects.requireNonNull(retrievalQuality, "retrievalQuality");
    }

    /** The default names, from {@link EventTopic#defaultName()}. */
    public static TopicNames defaults() {
        return new TopicNames(EventTopic.IMAGES.defaultName(), EventTopic.CAPTIONS.defaultName(),
                EventTopic.TEVI_EMBEDDINGS.defaultName(), EventTopic.ALIGNVLM_EMBEDDINGS.defaultName(),
                EventTopic.DEAD_LETTERS.defaultName(), EventTopic.RETRIEVAL_QUALITY.defaultName());
    }

    /** The configured name of {@code topic}. */
    public String name(EventTopic topic) {
        return switch (topic) {
            case IMAGES -> images;
            case CAPTIONS -> captions;
            case TEVI_EMBEDDINGS -> tevi;
            case ALIGNVLM_EMBEDDINGS -> alignVlm;
            case DEAD_LETTERS -> deadLetters;
            case RETRIEVAL_QUALITY -> retrievalQuality;
        };
    }

    /** Every topic with its configured name, in {@link EventTopic} order. */
    public Map<EventTopic, String> asMap() {
        Map<EventTopic, String> names = new EnumMap<>(EventTopic.class);
        for (EventTopic topic : EventTopic.values()) {
            names.put(topic, name(topic));
        }
        return names;
    }
}

package io.alignstream.app.topics;

import io.alignstream.schemas.EventTopic;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/**
 * What {@link TopicProvisioner#provision()} found and did: each of alignstream's topics, its
 * partition count, and whether it was created now or already there.
 */
public record ProvisioningReport(List<Topic> topics) {

    /** One topic: its role, its configured name, its partition count, whether it was created now. */
    public record Topic(EventTopic role, String name, int partitions, boolean created) { }

    public ProvisioningReport {
        topics = List.copyOf(topics);
    }

    /** The topics created now. */
    public List<Topic> created() {
        return topics.stream().filter(Topic::created).toList();
    }

    /** The topics that were already there (left as they are). */
    public List<Topic> existing() {
        return topics.stream().filter(topic -> !topic.created()).toList();
    }

    public Topic topic(EventTopic role) {
        return topics.stream().filter(topic -> topic.role() == role).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no topic for " + role));
    }

    /**
     * Whether images and captions have the same partition count, as the join of a caption with its
     * image needs (Kafka Streams refuses to start a join over topics that differ).
     */
    public boolean inputsCoPartitioned() {
        return topic(EventTopic.IMAGES).partitions() == topic(EventTopic.CAPTIONS).partitions();
    }

    /** One line for the log, e.g. {@code created alignstream.images (6 partitions); existing ...}. */
    public String summary() {
        String created = created().stream().map(ProvisioningReport::describe).collect(Collectors.joining(", "));
        String existing = existing().stream().map(ProvisioningReport::describe).collect(Collectors.joining(", "));
        return "created: " + (created.isEmpty() ? "none" : created) + "; already there: "
                + (existing.isEmpty() ? "none" : existing);
    }

    private static String describe(Topic topic) {
        return topic.name() + " (" + topic.partitions() + (topic.partitions() == 1 ? " partition)" : " partitions)");
    }
}

package io.alignstream.deadletter;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where an input record came from. The topology re-keys inputs by image id through internal
 * topics; these coordinates travel in record headers so that a failure found later still names
 * the original topic, partition, offset and key in its dead letter.
 *
 * @param key the original key bytes, or null
 */
public record SourceCoordinates(String topic, int partition, long offset, byte[] key) {
    /** Header holding {@code topic:partition:offset} (topic names cannot contain ':'). */
    public static final String HEADER = "alignstream.source";
    /** Header holding the original key bytes, absent when the key was null. */
    public static final String KEY_HEADER = "alignstream.source.key";

    public SourceCoordinates {
        Objects.requireNonNull(topic, "topic");
    }

    /** Replaces any coordinates already in {@code headers} with these. */
    public void writeTo(Headers headers) {
        headers.remove(HEADER);
        headers.remove(KEY_HEADER);
        headers.add(HEADER, (topic + ":" + partition + ":" + offset).getBytes(StandardCharsets.UTF_8));
        if (key != null) {
            headers.add(KEY_HEADER, key);
        }
    }

    /**
     * The coordinates in {@code headers}, or {@code fallback} when there are none (a record
     * produced straight to an internal topic by something else).
     */
    public static SourceCoordinates readFrom(Headers headers, SourceCoordinates fallback) {
        Header header = headers.lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return fallback;
        }
        String text = new String(header.value(), StandardCharsets.UTF_8);
        int last = text.lastIndexOf(':');
        int middle = last > 0 ? text.lastIndexOf(':', last - 1) : -1;
        if (middle <= 0) {
            return fallback;
        }
        try {
            Header key = headers.lastHeader(KEY_HEADER);
            return new SourceCoordinates(text.substring(0, middle),
                    Integer.parseInt(text.substring(middle + 1, last)),
                    Long.parseLong(text.substring(last + 1)),
                    key == null ? null : key.value());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SourceCoordinates that && topic.equals(that.topic) && partition == that.partition
                && offset == that.offset && java.util.Arrays.equals(key, that.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, java.util.Arrays.hashCode(key));
    }
}

package io.alignstream.clients.consume;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One record {@link OutputReader} read: where it was, its key, and its value, decoded only when
 * asked for (an AlignVLM record is about 100 KB: readers that only count leave it undecoded).
 * Decode before the reader is closed.
 */
public final class PublishedRecord {
    private final ConsumerRecord<String, byte[]> record;
    private final Deserializer<Object> values;
    private Object value;

    PublishedRecord(ConsumerRecord<String, byte[]> record, Deserializer<Object> values) {
        this.record = record;
        this.values = values;
    }

    public String topic() {
        return record.topic();
    }

    public int partition() {
        return record.partition();
    }

    public long offset() {
        return record.offset();
    }

    /** The key (the image id), or null. */
    public String key() {
        return record.key();
    }

    /** A null value: the image under this key was deleted (only read with {@code includeTombstones()}). */
    public boolean isTombstone() {
        return record.value() == null;
    }

    /**
     * The value as its generated Avro class ({@code TeviEmbedding}, {@code AlignVlmEmbedding},
     * {@code DeadLetter}, ...), decoded on the first call; null for a tombstone.
     *
     * @throws IllegalStateException naming the record's coordinates when it cannot be decoded
     */
    public Object value() {
        if (value == null && !isTombstone()) {
            try {
                value = values.deserialize(record.topic(), record.value());
            } catch (RuntimeException e) {
                throw new IllegalStateException("Cannot read record " + this + ": " + e.getMessage(), e);
            }
        }
        return value;
    }

    /** {@code topic-partition@offset}. */
    @Override
    public String toString() {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}

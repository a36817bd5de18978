package io.alignstream.deadletter;

import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * Turns a failure that Kafka Streams reports to a handler into the dead-letter producer record
 * the handler returns (KIP-1034): a {@link DeadLetter} in the Confluent wire format, keyed by
 * the original key, on the configured dead-letter topic. Kafka Streams then sends it in the
 * task's own transaction.
 */
final class DeadLetterEncoder implements AutoCloseable {
    /** The dead-letter topic. */
    static final String TOPIC_CONFIG = DeadLetterDeserializationHandler.TOPIC_CONFIG;
    /** A {@link PipelineMetrics} instance passed in the Streams configuration (optional). */
    static final String METRICS_CONFIG = DeadLetterDeserializationHandler.METRICS_CONFIG;
    /** The most payload bytes a dead letter carries (optional). */
    static final String MAX_PAYLOAD_BYTES_CONFIG = DeadLetterDeserializationHandler.MAX_PAYLOAD_BYTES_CONFIG;
    /** Without the key: the producer's default max.request.size (1 MiB) less room for the other fields. */
    static final int DEFAULT_MAX_PAYLOAD_BYTES = DeadLetters.maxPayloadBytes(1024 * 1024);

    private final String topic;
    private final KafkaAvroSerializer serializer;
    private final PipelineMetrics metrics;
    private final int maxPayloadBytes;

    private DeadLetterEncoder(String topic, KafkaAvroSerializer serializer, PipelineMetrics metrics, int maxPayloadBytes) {
        this.topic = topic;
        this.serializer = serializer;
        this.metrics = metrics;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    static DeadLetterEncoder configure(Map<String, ?> configs) {
        Object topic = configs.get(TOPIC_CONFIG);
        Object metrics = configs.get(METRICS_CONFIG);
        // No fallback name: the topic's default is declared once, in the application's configuration.
        if (topic == null || topic.toString().isBlank()) {
            throw new ConfigException(TOPIC_CONFIG, topic, "the dead-letter topic must be given");
        }
        if (metrics != null && !(metrics instanceof PipelineMetrics)) {
            throw new ConfigException(METRICS_CONFIG, metrics, "must be a PipelineMetrics instance");
        }
        int maxPayloadBytes = maxPayloadBytes(configs.get(MAX_PAYLOAD_BYTES_CONFIG));
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(configs, false);
        return new DeadLetterEncoder(topic.toString(), serializer, metrics == null ? PipelineMetrics.noop() : (PipelineMetrics) metrics,
                maxPayloadBytes);
    }

    private static int maxPayloadBytes(Object value) {
        if (value == null) {
            return DEFAULT_MAX_PAYLOAD_BYTES;
        }
        try {
            int bytes = Integer.parseInt(value.toString().trim());
            if (bytes >= 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ConfigException(MAX_PAYLOAD_BYTES_CONFIG, value, "must be a whole number of bytes, 0 or more");
    }

    String topic() {
        return topic;
    }

    int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    List<ProducerRecord<byte[], byte[]>> encode(SourceCoordinates source, DeadLetterReason reason, String message,
                                                byte[] payload) {
        // A payload too long to write would make the dead letter itself fail (RecordTooLargeException):
        // keep a prefix and say so, with the original length (first, so a long message cannot hide it).
        if (payload != null && payload.length > maxPayloadBytes) {
            message = DeadLetters.cutNote(maxPayloadBytes, payload.length) + message;
            payload = DeadLetters.cut(payload, maxPayloadBytes);
        }
        DeadLetter letter = DeadLetters.of(source, reason, message, payload, Instant.now());
        byte[] value = serializer.serialize(topic, letter);
        metrics.deadLetter(source.topic(), reason);
        return List.of(new ProducerRecord<>(topic, null, source.key(), value));
    }

    @Override
    public void close() {
        serializer.close();
    }
}

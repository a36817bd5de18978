package io.alignstream.deadletter;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import io.alignstream.registry.serde.UnknownSchemaIdException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that cannot be deserialised goes to the dead-letter topic (reason
 * {@code UNKNOWN_SCHEMA_ID} when its schema id is not in the registry, else
 * {@code DESERIALIZATION_FAILED}) and the stream goes on. An unreachable registry is not the
 * record's fault: that fails the stream thread, which the application replaces, so the record
 * is read again once the registry is back.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    /**
     * Streams configuration key under which the application passes its
     * {@link io.alignstream.metrics.PipelineMetrics} instance to both dead-letter handlers (optional).
     */
    public static final String METRICS_CONFIG = "alignstream.internal.pipeline.metrics";
    /**
     * Streams configuration key under which the application passes the dead-letter topic (the
     * configured one) to both dead-letter handlers (required). It is the handlers' own key, so
     * this package needs nothing from the application's configuration.
     */
    public static final String TOPIC_CONFIG = "alignstream.internal.dead.letters.topic";
    /**
     * Streams configuration key under which the application passes the most payload bytes a dead
     * letter carries (optional; a longer payload is cut to that prefix so the dead letter stays
     * writable under the producer's {@code max.request.size}).
     */
    public static final String MAX_PAYLOAD_BYTES_CONFIG = "alignstream.internal.dead.letters.max.payload.bytes";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private DeadLetterEncoder encoder;

    @Override
    public void configure(Map<String, ?> configs) {
        encoder = DeadLetterEncoder.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                Exception exception) {
        if (causedBy(exception, SchemaRegistryUnavailableException.class)) {
            log.error("cannot deserialise {}-{}@{}: the schema registry is unreachable; failing the stream "
                    + "thread so the record is retried", record.topic(), record.partition(), record.offset(), exception);
            return Response.fail();
        }
        DeadLetterReason reason = causedBy(exception, UnknownSchemaIdException.class)
                ? DeadLetterReason.UNKNOWN_SCHEMA_ID : DeadLetterReason.DESERIALIZATION_FAILED;
        String message = DeadLetters.describe(exception);
        log.warn("dead-lettering {}-{}@{} ({}): {}", record.topic(), record.partition(), record.offset(), reason, message);
        SourceCoordinates source = new SourceCoordinates(record.topic(), record.partition(), record.offset(), record.key());
        return Response.resume(encoder.encode(source, reason, message, record.value()));
    }

    static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}

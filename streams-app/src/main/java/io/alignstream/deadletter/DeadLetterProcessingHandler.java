package io.alignstream.deadletter;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import io.alignstream.topology.batching.BatchFailedException;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exception thrown while one record is processed dead-letters that record with the bytes
 * Kafka Streams read (KIP-1033/KIP-1034) and the stream goes on: a
 * {@link RejectedRecordException} with its own reason, anything else as {@code OTHER} (a bug
 * should not stop a partition). The original coordinates come from the record's
 * {@link SourceCoordinates} headers when it has passed through an internal topic. A failure
 * with no record (a punctuation), an unreachable registry or a failed batch (a
 * {@link BatchFailedException}, which no one record caused) fails the stream thread instead,
 * which the application replaces.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private DeadLetterEncoder encoder;

    @Override
    public void configure(Map<String, ?> configs) {
        encoder = DeadLetterEncoder.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (DeadLetterDeserializationHandler.causedBy(exception, BatchFailedException.class)) {
            return Response.fail(); // not this record's fault; the batch logged it with its first input
        }
        if (record == null || DeadLetterDeserializationHandler.causedBy(exception, SchemaRegistryUnavailableException.class)) {
            log.error("processing failed in {} (task {}) with no record to dead-letter, or the registry is "
                    + "unreachable: failing the stream thread", context.processorNodeId(), context.taskId(), exception);
            return Response.fail();
        }
        DeadLetterReason reason = exception instanceof RejectedRecordException rejected
                ? rejected.reason() : DeadLetterReason.OTHER;
        String message = exception instanceof RejectedRecordException ? exception.getMessage()
                : "unexpected error in " + context.processorNodeId() + ": " + DeadLetters.describe(exception);
        SourceCoordinates here = new SourceCoordinates(context.topic(), context.partition(), context.offset(),
                context.sourceRawKey());
        SourceCoordinates source = SourceCoordinates.readFrom(context.headers(), here);
        if (reason == DeadLetterReason.OTHER) {
            log.error("dead-lettering {} after an unexpected error", source, exception);
        } else {
            log.warn("dead-lettering {} ({}): {}", source, reason, message);
        }
        return Response.resume(encoder.encode(source, reason, message, context.sourceRawValue()));
    }
}

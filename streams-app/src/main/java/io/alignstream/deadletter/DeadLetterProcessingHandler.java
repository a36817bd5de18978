package io.alignstream.deadletter;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.faults.BatchFailedException;
import io.alignstream.faults.ServiceFaultException;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exception thrown while one record is processed dead-letters that record with the bytes
 * Kafka Streams read (KIP-1033/KIP-1034) and the stream goes on: a
 * {@link RejectedRecordException} with its own reason, any other exception as {@code OTHER} (a
 * bug that one record's content triggers should not stop a partition). The original coordinates come from the record's
 * {@link SourceCoordinates} headers when it has passed through an internal topic. A failure
 * with no record (a punctuation), an unreachable registry, a failed batch (a
 * {@link BatchFailedException}, which no one record caused), a service fault past its retry budget
 * or a state store failure fails the stream thread instead, which the application replaces: the
 * task resumes from its last commit and the record is processed again.
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
        if (isServiceFault(exception)) {
            log.error("processing {} failed in {} (task {}) for a fault that is not the record's: failing the stream "
                    + "thread, to resume from the last commit", context.topic() + "-" + context.partition() + "@"
                    + context.offset(), context.processorNodeId(), context.taskId(), exception);
            return Response.fail();
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

    /**
     * Faults of the service, not of the record: one past its retry budget, or a state store that
     * cannot be read or written (a full disk, a closed store during a rebalance). Dead-lettering
     * the record at hand would lose a good record.
     */
    static boolean isServiceFault(Exception exception) {
        return DeadLetterDeserializationHandler.causedBy(exception, ServiceFaultException.class)
                || DeadLetterDeserializationHandler.causedBy(exception, ProcessorStateException.class)
                || DeadLetterDeserializationHandler.causedBy(exception, InvalidStateStoreException.class);
    }
}

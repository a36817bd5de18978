package io.alignstream.deadletter;

import io.alignstream.events.DeadLetterReason;
import java.util.Objects;

/**
 * Thrown by a processor for one input record that cannot be processed; Kafka Streams hands it
 * to {@link DeadLetterProcessingHandler}, which dead-letters the record with this reason and
 * the original bytes, and the stream goes on.
 */
public final class RejectedRecordException extends RuntimeException {
    private final DeadLetterReason reason;

    public RejectedRecordException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public DeadLetterReason reason() {
        return reason;
    }
}

package io.alignstream.deadletter;

import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds {@link DeadLetter} records. */
public final class DeadLetters {
    /** Messages are for people; a stack of causes this long is already unreadable. */
    static final int MAX_MESSAGE_CHARACTERS = 2000;

    private DeadLetters() {
    }

    /**
     * A dead letter for the record at {@code source}.
     *
     * @param payload the record's value as received (or re-encoded, see docs/dead-letters.md), or null
     */
    public static DeadLetter of(SourceCoordinates source, DeadLetterReason reason, String message,
                                byte[] payload, Instant now) {
        return DeadLetter.newBuilder()
                .setSourceTopic(source.topic())
                .setPartition(source.partition())
                .setOffset(source.offset())
                .setKey(source.key() == null ? null : ByteBuffer.wrap(source.key().clone()))
                .setReason(reason)
                .setMessage(bounded(message))
                .setPayload(payload == null ? null : ByteBuffer.wrap(payload.clone()))
                .setTime(now)
                .build();
    }

    /** The exception's message with its causes, "Type: message; caused by Type: message". */
    public static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = error; t != null && depth < 5; t = t.getCause(), depth++) {
            if (depth > 0) {
                text.append("; caused by ");
            }
            text.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }

    static String bounded(String message) {
        String text = message == null ? "" : message;
        return text.length() <= MAX_MESSAGE_CHARACTERS ? text
                : text.substring(0, MAX_MESSAGE_CHARACTERS - 3) + "...";
    }
}

package io.alignstream.deadletter;

import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds {@link DeadLetter} records. */
public final class DeadLetters {
    /** Messages are for people; a stack of causes this long is already unreadable. */
    static final int MAX_MESSAGE_CHARACTERS = 2000;
    /** Room kept in a dead letter for its fields besides the payload: a 2000-character message is at most 8 KB of UTF-8. */
    static final int ROOM_BYTES = 16 * 1024;

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

    /**
     * The most payload bytes a dead letter carries when records of at most {@code maxRecordBytes}
     * (the producer's {@code max.request.size}) can be written: what is left after room for the
     * other fields, so the dead letter itself is always writable.
     */
    public static int maxPayloadBytes(int maxRecordBytes) {
        return Math.max(1024, maxRecordBytes - ROOM_BYTES);
    }

    /** {@code payload} if it is at most {@code maxPayloadBytes} long, else its prefix of that length. */
    public static byte[] cut(byte[] payload, int maxPayloadBytes) {
        return payload == null || payload.length <= maxPayloadBytes ? payload
                : java.util.Arrays.copyOf(payload, maxPayloadBytes);
    }

    /** What a dead letter's message starts with when its payload was cut, naming the original length. */
    public static String cutNote(int keptBytes, int originalBytes) {
        return "[payload cut to its first " + keptBytes + " of " + originalBytes + " bytes] ";
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

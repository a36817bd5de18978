package io.alignstream.topology.embedding;

import io.alignstream.events.DeadLetterReason;
import java.util.Objects;

/** One input's result from a stage: a value, or why the input is dead-lettered. */
public sealed interface StageResult<T> permits StageResult.Done, StageResult.Rejected {

    record Done<T>(T value) implements StageResult<T> {
    }

    record Rejected<T>(DeadLetterReason reason, String message) implements StageResult<T> {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static <T> StageResult<T> done(T value) {
        return new Done<>(value);
    }

    static <T> StageResult<T> rejected(DeadLetterReason reason, String message) {
        return new Rejected<>(reason, message);
    }
}

package io.alignstream.health;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The crash-loop half of {@code /health}: live, or not live and why.
 *
 * @param live        false once a crash loop was seen (and for the rest of the process's life)
 * @param reason      why not live, in one sentence; empty while live
 * @param failures    not live: the failures that tripped it (of the task, or of any task); live:
 *                    the failures within the window now
 * @param lastFailure not live: the failure that tripped it; live: the latest failure, if any
 */
public record Liveness(boolean live, String reason, int failures, Optional<Failure> lastFailure) {

    /** No failure seen: what a service without a detector reports. */
    public static final Liveness ALWAYS_LIVE = new Liveness(true, "", 0, Optional.empty());

    public Liveness {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(lastFailure, "lastFailure");
    }

    /**
     * One uncaught exception of a stream thread.
     *
     * @param time        when the handler saw it
     * @param task        the task the exception named ({@code 0_3}), if it named one
     * @param description the exception chain's class names and first message lines, printable
     *                    characters only, at most {@link CrashLoopDetector#MAX_DESCRIPTION_CHARS}
     */
    public record Failure(Instant time, Optional<String> task, String description) {
        public Failure {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(description, "description");
        }
    }
}

package io.alignstream.fetch;

import io.alignstream.events.DeadLetterReason;
import java.util.Objects;

/**
 * Why an image could not be fetched. The message is meant for the people who read dead-letter
 * records: it names the limit and the actual size, status or time.
 */
public final class ImageFetchException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, coarse enough to route on. */
    public enum Reason {
        /** The image is larger than {@link FetchLimits#maxBytes()}. */
        TOO_LARGE,
        /** The reference could not be read: missing file, refused connection, timeout, HTTP error, too many redirects. */
        UNREACHABLE,
        /** The reference is well-formed but refused by policy: scheme, file root, redirect downgrade. */
        NOT_ALLOWED,
        /** The reference is not a usable URI. */
        MALFORMED_REFERENCE
    }

    private final Reason reason;

    public ImageFetchException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ImageFetchException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    /**
     * The dead-letter reason for this failure: {@code TOO_LARGE} is {@code OVER_LIMIT},
     * {@code UNREACHABLE} is {@code UNREACHABLE_REFERENCE}, and a refused or malformed reference is
     * the event's fault, {@code INVALID_EVENT}.
     */
    public DeadLetterReason deadLetterReason() {
        return switch (reason) {
            case TOO_LARGE -> DeadLetterReason.OVER_LIMIT;
            case UNREACHABLE -> DeadLetterReason.UNREACHABLE_REFERENCE;
            case NOT_ALLOWED, MALFORMED_REFERENCE -> DeadLetterReason.INVALID_EVENT;
        };
    }
}

package io.alignstream.fetch;

import io.alignstream.events.DeadLetterReason;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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

    /**
     * Whether trying again may succeed, and who chose the server: a fault of the transport (time-out,
     * reset, refused, HTTP 5xx, 408, 429) is worth retrying; anything else (404, too large, refused by
     * policy) is the reference's own.
     *
     * @param operatorHost the host is one the operator declared ({@code alignstream.image.fetch.allow}),
     *                     so its failure is the service's infrastructure failing, not the producer's choice
     * @param retryAfter   the pause the server asked for (HTTP Retry-After), or null
     */
    public record Transient(boolean operatorHost, Duration retryAfter) {
    }

    private final Reason reason;
    private final Transient transientFault;

    public ImageFetchException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public ImageFetchException(Reason reason, String message, Throwable cause) {
        this(reason, message, cause, null);
    }

    /** A failure worth retrying ({@code transientFault} non-null) or not. */
    public ImageFetchException(Reason reason, String message, Throwable cause, Transient transientFault) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.transientFault = transientFault;
    }

    public Reason reason() {
        return reason;
    }

    /** Present when trying again may succeed (see {@link Transient}). */
    public Optional<Transient> transientFault() {
        return Optional.ofNullable(transientFault);
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

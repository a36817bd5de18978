package io.alignstream.text;

/** A caption the service will not embed, with why. Checked: callers route it to a dead letter. */
public final class CaptionRejectedException extends Exception {

    /** Why a caption was refused. */
    public enum Reason {
        /** Null, empty, or nothing but whitespace and control characters. */
        EMPTY,
        /** More characters, or more sub-captions, than the configured limits. */
        TOO_LONG
    }

    private final Reason reason;

    public CaptionRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

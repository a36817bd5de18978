package io.alignstream.runtime.image;

import java.util.Objects;

/**
 * An image the preprocessor refuses, with the reason and a message a sender can act on (it names
 * the limit or the format and the actual value).
 *
 * <p>Checked on purpose: a bad image is an expected outcome of reading events from outside, and
 * the caller must route it somewhere (the service's dead-letter topic), not crash on it.
 */
public final class ImageRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an image was refused. */
    public enum Reason {
        /** No bytes at all (an empty or null payload). */
        EMPTY(false),
        /** The payload is over {@link ImageLimits#maxEncodedBytes()}; nothing was parsed. */
        TOO_MANY_BYTES(true),
        /** The header declares more pixels than {@link ImageLimits#maxDeclaredPixels()}; nothing was decoded. */
        TOO_MANY_PIXELS(true),
        /** Not JPEG, PNG, GIF or BMP: a format we recognise and refuse (WebP, HEIC, AVIF, TIFF, JPEG XL) or none we recognise. */
        UNSUPPORTED_FORMAT(false),
        /** A supported format that cannot be read: truncated, damaged, or inconsistent with its own header. */
        CORRUPT(false);

        private final boolean overLimit;

        Reason(boolean overLimit) {
            this.overLimit = overLimit;
        }

        /**
         * True when the image may be fine but is bigger than this service accepts (dead-letter
         * reason {@code OVER_LIMIT}); false when the image itself is bad ({@code BAD_IMAGE}).
         */
        public boolean overLimit() {
            return overLimit;
        }
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "ImageRejectedException[" + reason + "]: " + getMessage();
    }
}

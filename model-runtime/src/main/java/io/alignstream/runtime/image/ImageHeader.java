package io.alignstream.runtime.image;

import java.util.Objects;

/**
 * What an image's header says, read without decoding its pixels.
 *
 * @param format         the format its magic bytes identify
 * @param width          declared width in pixels
 * @param height         declared height in pixels
 * @param declaredFormat the format the sender's content type named; null when there was no
 *                       content type or it named no image format we know
 */
public record ImageHeader(ImageFormat format, int width, int height, ImageFormat declaredFormat) {

    public ImageHeader {
        Objects.requireNonNull(format, "format");
    }

    public long pixels() {
        return (long) width * height;
    }

    /** True when the content type named a different format than the bytes are (decoding follows the bytes). */
    public boolean contentTypeMismatch() {
        return declaredFormat != null && declaredFormat != format;
    }
}

package io.alignstream.runtime.image;

/**
 * How much an incoming image may cost before it is decoded.
 *
 * <p>Both limits are checked before any pixel is decoded: {@code maxEncodedBytes} on the payload
 * as received, {@code maxDeclaredPixels} on the width x height the image's header declares (so a
 * small file that inflates to a huge bitmap, a decompression bomb, is refused up front). The
 * memory an accepted image can take while decoding is about {@code maxDeclaredPixels} times its
 * bytes per pixel: 3 for 8-bit RGB, up to 8 for 16-bit RGBA PNG.
 *
 * @param maxEncodedBytes   largest accepted payload, in bytes (default 20 MiB)
 * @param maxDeclaredPixels largest accepted declared width x height (default 40 million)
 */
public record ImageLimits(long maxEncodedBytes, long maxDeclaredPixels) {

    /** 20 MiB. */
    public static final long DEFAULT_MAX_ENCODED_BYTES = 20L * 1024 * 1024;

    /** 40 million pixels (for example 8000 x 5000). */
    public static final long DEFAULT_MAX_DECLARED_PIXELS = 40_000_000L;

    /** A Java array holds at most this many elements, so no payload can be larger. */
    public static final long MAX_SUPPORTED_ENCODED_BYTES = Integer.MAX_VALUE - 8;

    /**
     * The largest image a Java raster can hold with four samples per pixel (RGBA): beyond it
     * the decoder could not allocate the bitmap whatever the heap.
     */
    public static final long MAX_SUPPORTED_PIXELS = Integer.MAX_VALUE / 4;

    private static final ImageLimits DEFAULTS =
            new ImageLimits(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_DECLARED_PIXELS);

    public ImageLimits {
        if (maxEncodedBytes < 1 || maxEncodedBytes > MAX_SUPPORTED_ENCODED_BYTES) {
            throw new IllegalArgumentException("maxEncodedBytes must be between 1 and "
                    + MAX_SUPPORTED_ENCODED_BYTES + ", got " + maxEncodedBytes);
        }
        if (maxDeclaredPixels < 1 || maxDeclaredPixels > MAX_SUPPORTED_PIXELS) {
            throw new IllegalArgumentException("maxDeclaredPixels must be between 1 and "
                    + MAX_SUPPORTED_PIXELS + " (the most a Java raster can hold), got " + maxDeclaredPixels);
        }
    }

    /** 20 MiB and 40 million pixels. */
    public static ImageLimits defaults() {
        return DEFAULTS;
    }

    public ImageLimits withMaxEncodedBytes(long bytes) {
        return new ImageLimits(bytes, maxDeclaredPixels);
    }

    public ImageLimits withMaxDeclaredPixels(long pixels) {
        return new ImageLimits(maxEncodedBytes, pixels);
    }
}

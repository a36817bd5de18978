package io.alignstream.runtime.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Decoded pixels read back one row at a time as 8-bit RGB, straight from the raster's samples.
 *
 * <p>Never through {@code BufferedImage.getRGB}: that colour-manages (a grey 128 comes back as
 * 188, because Java's grey colour space is linear) and would make a decoded image differ from
 * its stored bytes. The rules, the same as Pillow's {@code convert("RGB")} where it has one:
 * <ul>
 *   <li>palette: the palette's colour;</li>
 *   <li>grey: the value in all three channels;</li>
 *   <li>alpha: dropped, the stored colour is kept;</li>
 *   <li>samples of other than 8 bits (1, 2, 4, 5, 6, 16): scaled to 0..255 with rounding,
 *       {@code round(v * 255 / (2^bits - 1))};</li>
 *   <li>CMYK (JPEG only, from the raw raster): {@code R = round((255 - C) * (255 - K) / 255)},
 *       and so on, after undoing Adobe's inversion and YCCK's YCbCr transform.</li>
 * </ul>
 * Not thread-safe: one per decoded image.
 */
final class RgbRows {

    private enum Kind { INDEXED, GREY, RGB, CMYK }

    private final Raster raster;
    private final Kind kind;
    private final int width;
    private final int height;
    private final int bands;
    private final long[] maxSample;
    private final int[] samples;
    private final int[] paletteRgb;
    private final boolean adobeInverted;
    private final boolean ycck;

    private RgbRows(Raster raster, Kind kind, int[] paletteRgb, boolean adobeInverted, boolean ycck) {
        this.raster = raster;
        this.kind = kind;
        this.width = raster.getWidth();
        this.height = raster.getHeight();
        this.bands = raster.getNumBands();
        this.maxSample = new long[bands];
        for (int b = 0; b < bands; b++) {
            maxSample[b] = (1L << raster.getSampleModel().getSampleSize(b)) - 1;
        }
        this.samples = new int[kind == Kind.INDEXED ? width : width * bands];
        this.paletteRgb = paletteRgb;
        this.adobeInverted = adobeInverted;
        this.ycck = ycck;
    }

    /**
     * Rows of an image decoded by ImageIO.
     *
     * @throws ImageRejectedException (UNSUPPORTED_FORMAT) for a colour model other than palette,
     *                                grey or RGB with integer samples
     */
    static RgbRows of(BufferedImage image, ImageFormat format) throws ImageRejectedException {
        ColorModel colourModel = image.getColorModel();
        Raster raster = image.getRaster();
        int transferType = raster.getTransferType();
        if (transferType == DataBuffer.TYPE_FLOAT || transferType == DataBuffer.TYPE_DOUBLE) {
            throw unsupported(format, "floating-point samples");
        }
        if (colourModel instanceof IndexColorModel palette) {
            return new RgbRows(raster, Kind.INDEXED, paletteOf(palette, raster), false, false);
        }
        int colourComponents = colourModel.getNumColorComponents();
        int spaceType = colourModel.getColorSpace().getType();
        if (spaceType == ColorSpace.TYPE_GRAY && colourComponents == 1) {
            return new RgbRows(raster, Kind.GREY, null, false, false);
        }
        if (spaceType == ColorSpace.TYPE_RGB && colourComponents == 3) {
            return new RgbRows(raster, Kind.RGB, null, false, false);
        }
        throw unsupported(format, colourComponents + "-component colour space of type " + spaceType);
    }

    /**
     * Rows of a four-component JPEG's raw raster (ImageIO's {@code readRaster}, which applies no
     * colour conversion).
     *
     * @param adobeMarker whether the JPEG has an Adobe APP14 marker: Adobe software stores CMYK
     *                    inverted (255 = no ink), and every CMYK JPEG in the wild with that
     *                    marker follows it; without the marker the samples are taken as ink
     * @param ycck        whether the marker's transform is 2 (YCCK): the first three samples are
     *                    YCbCr of the inverted CMY and K is stored as is
     */
    static RgbRows ofCmyk(Raster raster, boolean adobeMarker, boolean ycck) throws ImageRejectedException {
        if (raster.getNumBands() != 4) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT,
                    "the JPEG declares 4 colour components but decodes to " + raster.getNumBands());
        }
        return new RgbRows(raster, Kind.CMYK, null, adobeMarker, ycck);
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** Row {@code y} (0 = top) into {@code rgb[0 .. 3 * width)}, values 0..255. */
    void read(int y, int[] rgb) {
        int rowY = raster.getMinY() + y;
        switch (kind) {
            case INDEXED -> {
                raster.getSamples(raster.getMinX(), rowY, width, 1, 0, samples);
                for (int x = 0, o = 0; x < width; x++, o += 3) {
                    int colour = paletteRgb[samples[x]];
                    rgb[o] = (colour >> 16) & 0xFF;
                    rgb[o + 1] = (colour >> 8) & 0xFF;
                    rgb[o + 2] = colour & 0xFF;
                }
            }
            case GREY -> {
                raster.getPixels(raster.getMinX(), rowY, width, 1, samples);
                long max = maxSample[0];
                for (int x = 0, o = 0, s = 0; x < width; x++, o += 3, s += bands) {
                    int grey = to8Bits(samples[s], max);
                    rgb[o] = grey;
                    rgb[o + 1] = grey;
                    rgb[o + 2] = grey;
                }
            }
            case RGB -> {
                raster.getPixels(raster.getMinX(), rowY, width, 1, samples);
                long maxR = maxSample[0];
                long maxG = maxSample[1];
                long maxB = maxSample[2];
                for (int x = 0, o = 0, s = 0; x < width; x++, o += 3, s += bands) {
                    rgb[o] = to8Bits(samples[s], maxR);
                    rgb[o + 1] = to8Bits(samples[s + 1], maxG);
                    rgb[o + 2] = to8Bits(samples[s + 2], maxB);
                }
            }
            case CMYK -> {
                raster.getPixels(raster.getMinX(), rowY, width, 1, samples);
                for (int x = 0, o = 0, s = 0; x < width; x++, o += 3, s += 4) {
                    cmykToRgb(samples[s], samples[s + 1], samples[s + 2], samples[s + 3], rgb, o);
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private void cmykToRgb(int s0, int s1, int s2, int s3, int[] rgb, int o) {
        int c = s0;
        int m = s1;
        int yellow = s2;
        if (ycck) {
            // libjpeg's YCCK -> CMYK: the YCbCr components decode to 255 - (stored C, M, Y).
            double luma = s0;
            double cb = s1 - 128.0;
            double cr = s2 - 128.0;
            c = 255 - clamp8(luma + 1.402 * cr);
            m = 255 - clamp8(luma - 0.344136 * cb - 0.714136 * cr);
            yellow = 255 - clamp8(luma + 1.772 * cb);
        }
        // "Paper left" per channel: the stored value under Adobe's inversion, 255 - ink otherwise.
        int paperC = adobeInverted ? c : 255 - c;
        int paperM = adobeInverted ? m : 255 - m;
        int paperY = adobeInverted ? yellow : 255 - yellow;
        int paperK = adobeInverted ? s3 : 255 - s3;
        rgb[o] = (paperC * paperK + 127) / 255;
        rgb[o + 1] = (paperM * paperK + 127) / 255;
        rgb[o + 2] = (paperY * paperK + 127) / 255;
    }

    private static int clamp8(double value) {
        long rounded = Math.round(value);
        return (int) Math.max(0, Math.min(255, rounded));
    }

    private static int to8Bits(int sample, long max) {
        if (max == 255) {
            return sample;
        }
        long value = sample & 0xFFFFFFFFL;
        return (int) Math.min(255, (value * 255 + max / 2) / max);
    }

    private static int[] paletteOf(IndexColorModel palette, Raster raster) {
        // Indices past the palette's end (a damaged file) read as black rather than failing.
        int bits = Math.min(16, raster.getSampleModel().getSampleSize(0));
        int[] rgb = new int[Math.max(1 << bits, palette.getMapSize())];
        for (int i = 0; i < palette.getMapSize(); i++) {
            rgb[i] = (palette.getRed(i) << 16) | (palette.getGreen(i) << 8) | palette.getBlue(i);
        }
        return rgb;
    }

    private static ImageRejectedException unsupported(ImageFormat format, String what) {
        return new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT,
                "this " + format.displayName() + " uses a colour model we do not read (" + what
                        + "); re-encode it as 8-bit RGB or greyscale");
    }
}

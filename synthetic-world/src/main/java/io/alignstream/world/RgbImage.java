package io.alignstream.world;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image stored row-major, height x width x channel (HWC): the layout the dataset
 * files and the vision tower's preprocessing use.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] pixels;

    public RgbImage(int width, int height, byte[] pixels) {
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels.clone();
    }

    public static RgbImage from(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int offset = (y * width + x) * 3;
                pixels[offset] = (byte) (rgb >> 16);
                pixels[offset + 1] = (byte) (rgb >> 8);
                pixels[offset + 2] = (byte) rgb;
            }
        }
        return new RgbImage(width, height, pixels);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A copy of the HWC bytes. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** Channel value 0..255 at (x, y); channel 0 = red. */
    public int channel(int x, int y, int channel) {
        return pixels[(y * width + x) * 3 + channel] & 0xFF;
    }

    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (channel(x, y, 0) << 16) | (channel(x, y, 1) << 8) | channel(x, y, 2));
            }
        }
        return image;
    }

    /** PNG bytes, lossless, for events and for looking at the data. */
    public byte[] toPng() {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(toBufferedImage(), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes PNG (or any ImageIO format) bytes. */
    public static RgbImage fromPng(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(png));
            if (image == null) {
                throw new IllegalArgumentException("not a readable image");
            }
            return from(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

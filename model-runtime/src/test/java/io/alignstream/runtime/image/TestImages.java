package io.alignstream.runtime.image;

import io.alignstream.world.RgbImage;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Builds test images: real ones from the synthetic world, hostile ones by editing bytes. */
final class TestImages {

    static final SyntheticWorld WORLD = new SyntheticWorld(7);

    private TestImages() {
    }

    static RgbImage synthetic(int index) {
        return WORLD.sample(Split.TRAIN, index).image();
    }

    /** The image's HWC bytes as the floats the model takes. */
    static float[] asFloats(RgbImage image) {
        byte[] pixels = image.pixels();
        float[] floats = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            floats[i] = pixels[i] & 0xFF;
        }
        return floats;
    }

    static byte[] encode(BufferedImage image, String format) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format + " and " + image);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] jpeg(BufferedImage image, float quality) {
        return writeJpeg(new IIOImage(image, null, null), quality);
    }

    /**
     * A four-component JPEG, as ImageIO's JPEG writer makes it from a 4-band raster: the samples
     * are stored as given, with no colour transform and no Adobe marker.
     */
    static byte[] jpegFromRaster(Raster raster) {
        return writeJpeg(new IIOImage(raster, null, null), 1.0f);
    }

    private static byte[] writeJpeg(IIOImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, image, param);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /**
     * The JPEG with an Adobe APP14 marker inserted after SOI (DCTEncode version 100, flags 0,
     * the given colour transform: 0 none/CMYK, 1 YCbCr, 2 YCCK), as Photoshop writes it.
     */
    static byte[] withAdobeMarker(byte[] jpeg, int transform) {
        byte[] segment = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] result = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, result, 0, 2);
        System.arraycopy(segment, 0, result, 2, segment.length);
        System.arraycopy(jpeg, 2, result, 2 + segment.length, jpeg.length - 2);
        return result;
    }

    /** The JPEG with its SOF0 frame header's height and width replaced (nothing else changes). */
    static byte[] jpegDeclaring(byte[] jpeg, int width, int height) {
        byte[] copy = jpeg.clone();
        for (int i = 2; i + 8 < copy.length; i++) {
            if ((copy[i] & 0xFF) == 0xFF && (copy[i + 1] & 0xFF) == 0xC0) {
                copy[i + 5] = (byte) (height >> 8);
                copy[i + 6] = (byte) height;
                copy[i + 7] = (byte) (width >> 8);
                copy[i + 8] = (byte) width;
                return copy;
            }
        }
        throw new IllegalArgumentException("no SOF0 marker");
    }

    /** The PNG with its IHDR width and height replaced and the IHDR CRC recomputed, so it is well-formed. */
    static byte[] pngDeclaring(byte[] png, int width, int height) {
        byte[] copy = png.clone();
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height at 16 and 20.
        ByteBuffer.wrap(copy, 16, 8).putInt(width).putInt(height);
        fixCrc(copy, 8);
        return copy;
    }

    /** Offset of the first chunk of this type (its length field). */
    static int chunkOffset(byte[] png, String type) {
        int offset = 8;
        while (offset + 8 <= png.length) {
            int length = ByteBuffer.wrap(png, offset, 4).getInt();
            if (new String(png, offset + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                return offset;
            }
            offset += 12 + length;
        }
        throw new IllegalArgumentException("no " + type + " chunk");
    }

    /** Recomputes the CRC of the chunk starting (at its length field) at {@code offset}. */
    static void fixCrc(byte[] png, int offset) {
        int length = ByteBuffer.wrap(png, offset, 4).getInt();
        CRC32 crc = new CRC32();
        crc.update(png, offset + 4, 4 + length);
        ByteBuffer.wrap(png, offset + 8 + length, 4).putInt((int) crc.getValue());
    }

    /** The PNG with the first chunk of this type given new data (length and CRC rewritten to match). */
    static byte[] replaceChunkData(byte[] png, String type, byte[] data) {
        int offset = chunkOffset(png, type);
        int oldLength = ByteBuffer.wrap(png, offset, 4).getInt();
        int end = offset + 12 + oldLength;
        byte[] result = new byte[png.length - oldLength + data.length];
        System.arraycopy(png, 0, result, 0, offset);
        ByteBuffer.wrap(result, offset, 8).putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1));
        System.arraycopy(data, 0, result, offset + 8, data.length);
        System.arraycopy(png, end, result, offset + 12 + data.length, png.length - end);
        fixCrc(result, offset);
        return result;
    }

    static byte[] chunkData(byte[] png, String type) {
        int offset = chunkOffset(png, type);
        int length = ByteBuffer.wrap(png, offset, 4).getInt();
        return Arrays.copyOfRange(png, offset + 8, offset + 8 + length);
    }

    /** A BufferedImage of the synthetic image scaled up by an integer factor, each pixel a block. */
    static BufferedImage blownUp(RgbImage image, int factor) {
        BufferedImage big = new BufferedImage(image.width() * factor, image.height() * factor, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = big.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        graphics.drawImage(image.toBufferedImage(), 0, 0, big.getWidth(), big.getHeight(), null);
        graphics.dispose();
        return big;
    }

    static BufferedImage filled(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(new Color(rgb));
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }

    /** Mean absolute difference between two equally long arrays. */
    static double meanAbsoluteDifference(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }
}

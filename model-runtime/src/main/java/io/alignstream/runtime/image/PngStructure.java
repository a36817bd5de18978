package io.alignstream.runtime.image;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Walks a PNG's chunks without inflating anything: every chunk must fit in the payload, every
 * critical chunk's CRC must match, and an IEND chunk must end the image. The JDK's PNG reader
 * checks none of this (it decodes a file cut after its image data, and ignores CRCs), so a
 * truncated or damaged upload would otherwise pass as a valid image.
 *
 * <p>It also refuses a PNG whose image data is too small to hold the pixels its header declares
 * even at deflate's best ratio (about 1032:1): the decoder allocates the whole bitmap before it
 * finds the data missing, so a 200-byte file declaring 6000 x 6000 would cost 100 MB.
 */
final class PngStructure {

    private static final int SIGNATURE_LENGTH = 8;
    private static final int IHDR = chunkType("IHDR");
    private static final int IDAT = chunkType("IDAT");
    private static final int IEND = chunkType("IEND");
    /** Chunk types a message may name; any other four bytes are the payload's own and stay out of messages. */
    private static final Set<String> REGISTERED_TYPES = Set.of("IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM",
            "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "mDCv", "cLLi", "tEXt", "zTXt", "iTXt", "bKGD", "hIST", "pHYs",
            "sPLT", "eXIf", "tIME", "acTL", "fcTL", "fdAT");
    /** Deflate's largest possible expansion (258-byte matches in 2 bits each, rounded up). */
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final long DEFLATE_SLACK_BYTES = 4096;

    private PngStructure() {
    }

    /** Null when the chunk structure is sound; otherwise what is wrong with it, for a user. */
    static String problem(byte[] png) {
        CRC32 crc = new CRC32();
        int offset = SIGNATURE_LENGTH;
        long minimumPixelBytes = 0;
        long imageDataBytes = 0;
        while (true) {
            if (offset + 8 > png.length) {
                return "the PNG ends after " + png.length + " bytes without an IEND chunk (truncated upload?)";
            }
            long length = readUnsignedInt(png, offset);
            int type = (int) readUnsignedInt(png, offset + 4);
            String typeName = typeName(png, offset + 4);
            if (length > Integer.MAX_VALUE || offset + 12 + length > png.length) {
                return "the PNG's " + typeName + " chunk at byte " + offset + " declares " + length
                        + " bytes but the payload ends first (truncated upload?)";
            }
            int dataLength = (int) length;
            boolean critical = (png[offset + 4] & 0x20) == 0;
            if (critical) {
                crc.reset();
                crc.update(png, offset + 4, 4 + dataLength);
                long stored = readUnsignedInt(png, offset + 8 + dataLength);
                if (crc.getValue() != stored) {
                    return "the PNG's " + typeName + " chunk at byte " + offset
                            + " fails its CRC check (the file is damaged)";
                }
            }
            if (offset == SIGNATURE_LENGTH && (type != IHDR || dataLength != 13)) {
                return "the PNG does not start with a 13-byte IHDR chunk (the file is damaged)";
            }
            if (type == IHDR) {
                minimumPixelBytes = minimumPixelBytes(png, offset + 8);
            } else if (type == IDAT) {
                imageDataBytes += dataLength;
            } else if (type == IEND) {
                if (minimumPixelBytes > imageDataBytes * MAX_DEFLATE_RATIO + DEFLATE_SLACK_BYTES) {
                    return "the PNG's image data (" + imageDataBytes + " bytes) cannot hold the "
                            + readUnsignedInt(png, 16) + " x " + readUnsignedInt(png, 20)
                            + " pixels its header declares (the file is damaged or forged)";
                }
                return null;
            }
            offset += 12 + dataLength;
        }
    }

    /** Bytes of pixel data the IHDR at {@code data} implies, without filter bytes or interlacing. */
    private static long minimumPixelBytes(byte[] png, int data) {
        long width = readUnsignedInt(png, data);
        long height = readUnsignedInt(png, data + 4);
        int bitDepth = png[data + 8] & 0xFF;
        int samples = switch (png[data + 9] & 0xFF) {
            case 0, 3 -> 1; // grey, palette
            case 2 -> 3; // RGB
            case 4 -> 2; // grey + alpha
            case 6 -> 4; // RGBA
            default -> 1; // invalid: the decoder will say so
        };
        return height * ((width * samples * bitDepth + 7) / 8);
    }

    private static long readUnsignedInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFFL) << 24) | ((bytes[offset + 1] & 0xFFL) << 16)
                | ((bytes[offset + 2] & 0xFFL) << 8) | (bytes[offset + 3] & 0xFFL);
    }

    /** A registered chunk type's name, or "unregistered": never the bytes of an unknown type. */
    private static String typeName(byte[] bytes, int offset) {
        String name = new String(bytes, offset, 4, StandardCharsets.ISO_8859_1);
        return REGISTERED_TYPES.contains(name) ? name : "unregistered";
    }

    private static int chunkType(String name) {
        return (name.charAt(0) << 24) | (name.charAt(1) << 16) | (name.charAt(2) << 8) | name.charAt(3);
    }
}

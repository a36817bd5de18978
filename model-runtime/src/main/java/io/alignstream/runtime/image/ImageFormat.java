package io.alignstream.runtime.image;

import java.util.Locale;
import java.util.Optional;

/**
 * Image formats told apart by their first bytes (their "magic"), never by a declared content
 * type. The first four are decoded (through the JDK's own ImageIO plugins); the others are
 * recognised so that the refusal can name them.
 */
public enum ImageFormat {
    JPEG("JPEG", "jpeg", true),
    PNG("PNG", "png", true),
    /** First frame only. */
    GIF("GIF", "gif", true),
    BMP("BMP", "bmp", true),
    WEBP("WebP", null, false),
    /** HEIC and other HEIF brands. */
    HEIC("HEIC/HEIF", null, false),
    AVIF("AVIF", null, false),
    /** The JDK can read TIFF, but its many compressions and colour models are more surface than events need. */
    TIFF("TIFF", null, false),
    JPEG_XL("JPEG XL", null, false);

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] JXL_CONTAINER = {0, 0, 0, 0x0C, 'J', 'X', 'L', ' ', '\r', '\n', (byte) 0x87, '\n'};

    private final String displayName;
    private final String imageIoName;
    private final boolean decodable;

    ImageFormat(String displayName, String imageIoName, boolean decodable) {
        this.displayName = displayName;
        this.imageIoName = imageIoName;
        this.decodable = decodable;
    }

    /** The name people use: "JPEG", "WebP", "HEIC/HEIF". */
    public String displayName() {
        return displayName;
    }

    /** Whether the preprocessor decodes this format. */
    public boolean decodable() {
        return decodable;
    }

    /** The ImageIO format name of a decodable format; null otherwise. */
    String imageIoName() {
        return imageIoName;
    }

    /** The format the payload's first bytes identify, or empty when they identify none we know. */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        if (startsWith(bytes, 0, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(bytes, 0, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (startsWithAscii(bytes, 0, "GIF87a") || startsWithAscii(bytes, 0, "GIF89a")) {
            return Optional.of(GIF);
        }
        if (startsWithAscii(bytes, 0, "BM")) {
            return Optional.of(BMP);
        }
        if (startsWithAscii(bytes, 0, "RIFF") && startsWithAscii(bytes, 8, "WEBP")) {
            return Optional.of(WEBP);
        }
        if (startsWithAscii(bytes, 4, "ftyp") && bytes.length >= 12) {
            String brand = new String(bytes, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            switch (brand) {
                case "avif", "avis":
                    return Optional.of(AVIF);
                case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
                    return Optional.of(HEIC);
                default:
                    return Optional.empty();
            }
        }
        if (startsWith(bytes, 0, (byte) 'I', (byte) 'I', (byte) 0x2A, (byte) 0)
                || startsWith(bytes, 0, (byte) 'M', (byte) 'M', (byte) 0, (byte) 0x2A)) {
            return Optional.of(TIFF);
        }
        if (startsWith(bytes, 0, (byte) 0xFF, (byte) 0x0A) || startsWith(bytes, 0, JXL_CONTAINER)) {
            return Optional.of(JPEG_XL);
        }
        return Optional.empty();
    }

    /**
     * The format a content type names ({@code image/jpeg}, {@code image/png; charset=...}, ...),
     * or empty when it is absent or names none of ours.
     */
    public static Optional<ImageFormat> fromContentType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType)
                .trim().toLowerCase(Locale.ROOT);
        switch (mediaType) {
            case "image/jpeg", "image/jpg", "image/pjpeg":
                return Optional.of(JPEG);
            case "image/png", "image/x-png", "image/apng":
                return Optional.of(PNG);
            case "image/gif":
                return Optional.of(GIF);
            case "image/bmp", "image/x-bmp", "image/x-ms-bmp":
                return Optional.of(BMP);
            case "image/webp":
                return Optional.of(WEBP);
            case "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence":
                return Optional.of(HEIC);
            case "image/avif":
                return Optional.of(AVIF);
            case "image/tiff", "image/tiff-fx":
                return Optional.of(TIFF);
            case "image/jxl":
                return Optional.of(JPEG_XL);
            default:
                return Optional.empty();
        }
    }

    private static boolean startsWith(byte[] bytes, int offset, byte... prefix) {
        if (bytes.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithAscii(byte[] bytes, int offset, String prefix) {
        if (bytes.length < offset + prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[offset + i] != (byte) prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

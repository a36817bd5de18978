package io.alignstream.runtime.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ImageFormatTest {

    static Stream<Arguments> magicBytes() {
        return Stream.of(
                Arguments.of("JPEG SOI + marker", bytes(0xFF, 0xD8, 0xFF, 0xE0, 0, 16), ImageFormat.JPEG),
                Arguments.of("PNG signature", bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0), ImageFormat.PNG),
                Arguments.of("GIF87a", ascii("GIF87a\u0001\u0000"), ImageFormat.GIF),
                Arguments.of("GIF89a", ascii("GIF89a\u0001\u0000"), ImageFormat.GIF),
                Arguments.of("BMP", ascii("BM\u0000\u0000\u0000\u0000"), ImageFormat.BMP),
                Arguments.of("WebP RIFF", ascii("RIFF\u0024\u0000\u0000\u0000WEBPVP8 "), ImageFormat.WEBP),
                Arguments.of("HEIC ftyp", ftyp("heic"), ImageFormat.HEIC),
                Arguments.of("HEIF mif1 ftyp", ftyp("mif1"), ImageFormat.HEIC),
                Arguments.of("AVIF ftyp", ftyp("avif"), ImageFormat.AVIF),
                Arguments.of("TIFF little-endian", bytes('I', 'I', 0x2A, 0, 8, 0, 0, 0), ImageFormat.TIFF),
                Arguments.of("TIFF big-endian", bytes('M', 'M', 0, 0x2A, 0, 0, 0, 8), ImageFormat.TIFF),
                Arguments.of("JPEG XL codestream", bytes(0xFF, 0x0A, 0xFA, 0x7F), ImageFormat.JPEG_XL),
                Arguments.of("JPEG XL container", bytes(0, 0, 0, 0x0C, 'J', 'X', 'L', ' ', 0x0D, 0x0A, 0x87, 0x0A), ImageFormat.JPEG_XL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("magicBytes")
    void sniffsTheFormatFromItsMagicBytes(String name, byte[] bytes, ImageFormat expected) {
        assertThat(ImageFormat.sniff(bytes)).contains(expected);
    }

    @Test
    void sniffsNothingInBytesOfNoKnownFormat() {
        // given: text, an MP4 (ftyp of another brand), a too-short JPEG start, random bytes
        byte[] random = new byte[64];
        new Random(42).nextBytes(random);
        random[0] = 0x12;

        // then
        assertThat(ImageFormat.sniff(ascii("<svg xmlns=..."))).isEmpty();
        assertThat(ImageFormat.sniff(ftyp("isom"))).isEmpty();
        assertThat(ImageFormat.sniff(bytes(0xFF, 0xD8))).isEmpty();
        assertThat(ImageFormat.sniff(random)).isEmpty();
        assertThat(ImageFormat.sniff(new byte[0])).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "image/jpeg, JPEG", "IMAGE/JPG, JPEG", "image/pjpeg, JPEG", "image/png, PNG",
            "'image/png; charset=binary', PNG", "image/gif, GIF", "image/x-ms-bmp, BMP",
            "image/webp, WEBP", "image/heic, HEIC", "image/avif, AVIF", "image/tiff, TIFF", "image/jxl, JPEG_XL"})
    void readsTheFormatAContentTypeNames(String contentType, ImageFormat expected) {
        assertThat(ImageFormat.fromContentType(contentType)).contains(expected);
    }

    @Test
    void aMissingOrNonImageContentTypeNamesNoFormat() {
        assertThat(ImageFormat.fromContentType(null)).isEmpty();
        assertThat(ImageFormat.fromContentType("application/octet-stream")).isEmpty();
    }

    @Test
    void onlyJpegPngGifAndBmpAreDecodable() {
        assertThat(Stream.of(ImageFormat.values()).filter(ImageFormat::decodable))
                .containsExactly(ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.BMP);
    }

    static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The start of an ISO base media file (HEIF, AVIF, MP4): box size 24, "ftyp", major brand. */
    static byte[] ftyp(String brand) {
        return ascii("\u0000\u0000\u0000\u0018ftyp" + brand + "\u0000\u0000\u0000\u0000mif1");
    }
}

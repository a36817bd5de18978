package io.alignstream.runtime.image;

import static io.alignstream.runtime.image.TestImages.synthetic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.runtime.image.ImageRejectedException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way an image is refused, each with its reason and a message that names the problem. */
class ImageRejectionTest {

    private final ImagePreprocessor preprocessor = new ImagePreprocessor(64, 64);
    private final byte[] png = synthetic(0).toPng();

    // ---- EMPTY

    @Test
    void anEmptyPayloadIsEmpty() {
        assertRejected(preprocessor, new byte[0], Reason.EMPTY).hasMessageContaining("empty");
    }

    @Test
    void aNullPayloadIsEmpty() {
        // a Kafka tombstone's value is null
        assertRejected(preprocessor, null, Reason.EMPTY).hasMessageContaining("null");
    }

    // ---- TOO_MANY_BYTES

    @Test
    void aPayloadOverTheByteLimitIsRefusedBeforeItIsParsed() {
        // given a 1000-byte limit and 1001 bytes that are not even an image
        ImagePreprocessor small = new ImagePreprocessor(64, 64, ImageLimits.defaults().withMaxEncodedBytes(1000));
        byte[] junk = new byte[1001];

        // then the size is what is refused, not the format
        assertRejected(small, junk, Reason.TOO_MANY_BYTES)
                .hasMessageContaining("1,001 bytes").hasMessageContaining("1,000 bytes")
                .hasMessageContaining("maxEncodedBytes");
    }

    @Test
    void aPayloadExactlyAtTheByteLimitIsAccepted() throws Exception {
        // given a limit equal to the PNG's size, and one byte less
        ImagePreprocessor exact = new ImagePreprocessor(64, 64, ImageLimits.defaults().withMaxEncodedBytes(png.length));
        ImagePreprocessor tight = new ImagePreprocessor(64, 64, ImageLimits.defaults().withMaxEncodedBytes(png.length - 1));

        // then
        assertThat(exact.preprocess(png)).hasSize(64 * 64 * 3);
        assertRejected(tight, png, Reason.TOO_MANY_BYTES);
    }

    // ---- TOO_MANY_PIXELS

    @Test
    void aPngDeclaring100000By100000IsRefusedFromItsHeaderBeforeDecoding() {
        // given a well-formed PNG (IHDR CRC recomputed) that declares 10 billion pixels: decoding
        // would try to allocate 30 GB
        byte[] bomb = TestImages.pngDeclaring(png, 100_000, 100_000);

        // then
        assertRejected(preprocessor, bomb, Reason.TOO_MANY_PIXELS)
                .hasMessageContaining("100000 x 100000").hasMessageContaining("10,000,000,000 pixels")
                .hasMessageContaining("40,000,000 pixels").hasMessageContaining("maxDeclaredPixels");
    }

    @Test
    void aJpegDeclaring60000By60000IsRefusedFromItsFrameHeader() {
        // given a real JPEG whose SOF0 marker is edited to declare 60000 x 60000
        byte[] jpeg = TestImages.jpeg(synthetic(1).toBufferedImage(), 0.9f);
        byte[] bomb = TestImages.jpegDeclaring(jpeg, 60_000, 60_000);

        // then
        assertRejected(preprocessor, bomb, Reason.TOO_MANY_PIXELS).hasMessageContaining("JPEG declares 60000 x 60000");
    }

    @Test
    void aBmpOverThePixelLimitIsRefusedFromItsHeader() {
        // given a 1000-pixel limit and a real 64 x 64 BMP
        ImagePreprocessor limited = new ImagePreprocessor(64, 64, ImageLimits.defaults().withMaxDeclaredPixels(1000));
        byte[] bmp = TestImages.encode(synthetic(2).toBufferedImage(), "bmp");

        assertRejected(limited, bmp, Reason.TOO_MANY_PIXELS).hasMessageContaining("BMP declares 64 x 64 = 4,096 pixels");
    }

    @Test
    void aBmpDeclaringMorePixelsThanItHoldsIsCorrupt() {
        // given a real BMP whose info header (width at byte 18, height at 22, little-endian) is
        // edited to 8000 x 6000: the JDK's BMP reader checks uncompressed data against the file
        byte[] bmp = TestImages.encode(synthetic(2).toBufferedImage(), "bmp");
        ByteBuffer.wrap(bmp, 18, 8).order(ByteOrder.LITTLE_ENDIAN).putInt(8000).putInt(6000);

        assertRejected(preprocessor, bmp, Reason.CORRUPT).hasMessageContaining("BMP has a header that cannot be read");
    }

    @Test
    void thePixelLimitIsInclusive() throws Exception {
        // given a limit of 64 x 64 pixels
        ImagePreprocessor limited = new ImagePreprocessor(64, 64, ImageLimits.defaults().withMaxDeclaredPixels(64 * 64));
        byte[] oneColumnMore = TestImages.encode(TestImages.filled(65, 64, 0x336699), "png");

        // then 64 x 64 passes and 65 x 64 does not
        assertThat(limited.preprocess(png)).hasSize(64 * 64 * 3);
        assertRejected(limited, oneColumnMore, Reason.TOO_MANY_PIXELS).hasMessageContaining("4,160 pixels");
    }

    // ---- UNSUPPORTED_FORMAT

    @Test
    void webpIsRefusedByName() {
        // given the start of a lossless WebP: RIFF size WEBP, then a VP8L chunk
        byte[] webp = ImageFormatTest.bytes('R', 'I', 'F', 'F', 0x1A, 0, 0, 0, 'W', 'E', 'B', 'P',
                'V', 'P', '8', 'L', 0x0D, 0, 0, 0, 0x2F, 0, 0, 0, 0x10);

        assertRejected(preprocessor, webp, Reason.UNSUPPORTED_FORMAT, "image/webp")
                .hasMessageContaining("WebP images are not supported").hasMessageContaining("JPEG, PNG, GIF or BMP");
    }

    @Test
    void heicIsRefusedByName() {
        assertRejected(preprocessor, ImageFormatTest.ftyp("heic"), Reason.UNSUPPORTED_FORMAT)
                .hasMessageContaining("HEIC");
    }

    @Test
    void avifIsRefusedByName() {
        assertRejected(preprocessor, ImageFormatTest.ftyp("avif"), Reason.UNSUPPORTED_FORMAT)
                .hasMessageContaining("AVIF");
    }

    @Test
    void tiffIsRefusedThoughTheJdkCouldReadIt() {
        // given a real TIFF from the JDK's own TIFF writer
        byte[] tiff = TestImages.encode(synthetic(3).toBufferedImage(), "tiff");

        assertRejected(preprocessor, tiff, Reason.UNSUPPORTED_FORMAT).hasMessageContaining("TIFF");
    }

    @Test
    void randomBytesAreNoFormatWeRecognise() {
        // given 4 KiB of seeded random bytes (first byte fixed so no magic can match by chance)
        byte[] random = new byte[4096];
        new Random(1234).nextBytes(random);
        random[0] = 0x42;
        random[1] = 0x00;

        // then it is refused by size alone: the payload may be bytes the service fetched, and a
        // dead letter must not quote them
        assertRejected(preprocessor, random, Reason.UNSUPPORTED_FORMAT)
                .hasMessageContaining("not an image format we recognise").hasMessageContaining("4096 bytes")
                .hasMessageNotContaining("42 00").hasMessageNotContaining("starts with");
    }

    @Test
    void anHtmlErrorPageDeclaredAsPngIsNoImage() {
        // given what a misconfigured upstream often sends: an HTML error page, labelled image/png
        byte[] html = ascii("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>");

        assertRejected(preprocessor, html, Reason.UNSUPPORTED_FORMAT, "image/png")
                .hasMessageContaining(html.length + " bytes").hasMessageContaining("declared as 'image/png'")
                .hasMessageNotContaining("3c 21").hasMessageNotContaining("DOCTYPE").hasMessageNotContaining("502");
    }

    // ---- CORRUPT

    @Test
    void aPngCutInsideItsImageDataIsCorrupt() {
        // given the PNG cut 100 bytes into its IDAT chunk
        byte[] truncated = Arrays.copyOf(png, TestImages.chunkOffset(png, "IDAT") + 8 + 100);

        assertRejected(preprocessor, truncated, Reason.CORRUPT).hasMessageContaining("IDAT").hasMessageContaining("truncated");
    }

    @Test
    void aPngMissingOnlyItsEndChunkIsCorrupt() {
        // given the PNG without its last 12 bytes (IEND): the JDK's reader alone would decode it
        byte[] truncated = Arrays.copyOf(png, png.length - 12);

        assertRejected(preprocessor, truncated, Reason.CORRUPT).hasMessageContaining("without an IEND chunk");
    }

    @Test
    void aPngWithADamagedImageChunkIsCorrupt() {
        // given one flipped byte in the IDAT data, its CRC left as it was
        byte[] damaged = png.clone();
        damaged[TestImages.chunkOffset(png, "IDAT") + 8 + 20] ^= 0x55;

        assertRejected(preprocessor, damaged, Reason.CORRUPT).hasMessageContaining("CRC");
    }

    @Test
    void aDamagedChunkOfAnUnregisteredTypeIsCorruptAndItsTypeBytesAreNotQuoted() {
        // given a PNG with a critical chunk of a made-up type ("ROOT", data "x:0:") after IHDR, its CRC wrong
        int afterHeader = TestImages.chunkOffset(png, "IDAT");
        byte[] chunk = ByteBuffer.allocate(16).putInt(4).put(ascii("ROOTx:0:")).putInt(0).array();
        byte[] forged = new byte[png.length + chunk.length];
        System.arraycopy(png, 0, forged, 0, afterHeader);
        System.arraycopy(chunk, 0, forged, afterHeader, chunk.length);
        System.arraycopy(png, afterHeader, forged, afterHeader + chunk.length, png.length - afterHeader);

        // then the message says where and what, but not the four type bytes, which are the payload's own
        assertRejected(preprocessor, forged, Reason.CORRUPT)
                .hasMessageContaining("unregistered chunk at byte " + afterHeader).hasMessageContaining("CRC")
                .hasMessageNotContaining("ROOT");
    }

    @Test
    void aPngWithLessImageDataThanItsHeaderDeclaresIsCorrupt() throws Exception {
        // given a well-formed PNG (valid CRCs) whose IDAT inflates to half the rows IHDR promises
        byte[] raw = inflate(TestImages.chunkData(png, "IDAT"));
        byte[] halfRaw = Arrays.copyOf(raw, raw.length / 2);
        byte[] shortPng = TestImages.replaceChunkData(png, "IDAT", deflate(halfRaw));

        assertRejected(preprocessor, shortPng, Reason.CORRUPT).hasMessageContaining("could not be decoded");
    }

    @Test
    void aSmallPngDeclaringALargeSizeWithinTheLimitIsRefusedBeforeTheBitmapIsAllocated() {
        // given the 64 x 64 PNG (about 10 KB) re-labelled 6000 x 6000: within the 40-million-pixel
        // limit, but decoding would allocate 108 MB before finding the data missing
        byte[] forged = TestImages.pngDeclaring(png, 6000, 6000);

        // then its image data is too small for that size even at deflate's best ratio
        assertRejected(preprocessor, forged, Reason.CORRUPT)
                .hasMessageContaining("cannot hold the 6000 x 6000 pixels");
    }

    @Test
    void aPngSignatureAloneIsCorrupt() {
        assertRejected(preprocessor, Arrays.copyOf(png, 8), Reason.CORRUPT).hasMessageContaining("header");
    }

    @Test
    void aPngDeclaringZeroWidthIsCorrupt() {
        assertRejected(preprocessor, TestImages.pngDeclaring(png, 0, 64), Reason.CORRUPT);
    }

    @Test
    void aJpegCutInHalfIsCorruptThoughImageIoOnlyWarns() {
        // given a JPEG cut in the middle of its scan data
        byte[] jpeg = TestImages.jpeg(TestImages.blownUp(synthetic(4), 3), 0.9f);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);

        assertRejected(preprocessor, truncated, Reason.CORRUPT).hasMessageContaining("truncated");
    }

    @Test
    void aJpegStartFollowedByNoiseIsCorrupt() {
        // given SOI, an APP0 marker start, then seeded noise
        byte[] noise = new byte[512];
        new Random(99).nextBytes(noise);
        noise[0] = (byte) 0xFF;
        noise[1] = (byte) 0xD8;
        noise[2] = (byte) 0xFF;

        // then it is corrupt, and the message does not pass on the decoder's, which quotes marker bytes
        assertRejected(preprocessor, noise, Reason.CORRUPT).hasMessageContaining("JPEG").hasMessageNotContaining("0x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gif", "bmp"})
    void aGifOrBmpCutShortIsCorrupt(String format) {
        // given a real GIF or BMP without its last tenth
        byte[] image = TestImages.encode(TestImages.blownUp(synthetic(3), 2), format);
        byte[] truncated = Arrays.copyOf(image, image.length * 9 / 10);

        assertRejected(preprocessor, truncated, Reason.CORRUPT).hasMessageContaining("could not be decoded");
    }

    @Test
    void aGifHeaderAloneIsCorrupt() {
        assertRejected(preprocessor, ascii("GIF89a\u0040\u0000\u0040\u0000"), Reason.CORRUPT).hasMessageContaining("GIF");
    }

    @Test
    void textStartingWithBmIsACorruptBmp() {
        assertRejected(preprocessor, ascii("BMW owners' club newsletter, issue 12"), Reason.CORRUPT)
                .hasMessageContaining("BMP");
    }

    // ---- reasons

    @Test
    void onlyTheLimitReasonsCountAsOverLimit() {
        // over-limit images go to dead-letter reason OVER_LIMIT, the others to BAD_IMAGE
        assertThat(Arrays.stream(Reason.values()).filter(Reason::overLimit))
                .containsExactlyInAnyOrder(Reason.TOO_MANY_BYTES, Reason.TOO_MANY_PIXELS);
    }

    @Test
    void inspectRefusesWhatPreprocessRefusesBeforeDecoding() {
        byte[] bomb = TestImages.pngDeclaring(png, 100_000, 100_000);

        assertThatThrownBy(() -> preprocessor.inspect(bomb, "image/png"))
                .isInstanceOfSatisfying(ImageRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(
            ImagePreprocessor preprocessor, byte[] bytes, Reason reason) {
        return assertRejected(preprocessor, bytes, reason, null);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(
            ImagePreprocessor preprocessor, byte[] bytes, Reason reason, String contentType) {
        return assertThatThrownBy(() -> preprocessor.preprocess(bytes, contentType))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] inflate(byte[] zlib) throws Exception {
        Inflater inflater = new Inflater();
        inflater.setInput(zlib);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!inflater.finished()) {
            int n = inflater.inflate(buffer);
            if (n == 0 && inflater.needsInput()) {
                break;
            }
            out.write(buffer, 0, n);
        }
        inflater.end();
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

}

package io.alignstream.runtime.image;

import static io.alignstream.runtime.image.TestImages.asFloats;
import static io.alignstream.runtime.image.TestImages.encode;
import static io.alignstream.runtime.image.TestImages.synthetic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.world.RgbImage;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.awt.Transparency;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What comes out for images that are accepted: formats, colour models, layout. */
class ImagePreprocessorTest {

    private final ImagePreprocessor preprocessor = new ImagePreprocessor(64, 64);

    @Test
    void aSyntheticPngAtTheTargetSizePassesThroughByteExact() throws Exception {
        for (int index = 0; index < 8; index++) {
            // given a 64x64 image of the synthetic world, as its events carry it
            RgbImage image = synthetic(index);
            byte[] png = image.toPng();

            // when
            float[] input = preprocessor.preprocess(png, "image/png");

            // then every value is the stored byte, HWC RGB
            assertThat(input).as("sample %d", index).isEqualTo(asFloats(image));
        }
    }

    @Test
    void theOutputIsHeightThenWidthThenRgb() throws Exception {
        // given a 64x64 image that is black but for (x=5, y=2) = (10, 20, 30)
        BufferedImage image = TestImages.filled(64, 64, 0);
        image.setRGB(5, 2, 0x0A141E);

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then
        int offset = (2 * 64 + 5) * 3;
        assertThat(input).hasSize(64 * 64 * 3);
        assertThat(Arrays.copyOfRange(input, offset, offset + 3)).containsExactly(10, 20, 30);
        assertThat(sum(input)).isEqualTo(60);
    }

    @Test
    void aJpegComesOutCloseToTheImageItWasMadeFrom() throws Exception {
        // given a synthetic image saved as a high-quality JPEG
        RgbImage image = synthetic(3);
        byte[] jpeg = TestImages.jpeg(image.toBufferedImage(), 0.95f);

        // when
        float[] input = preprocessor.preprocess(jpeg, "image/jpeg");

        // then it is exactly what ImageIO decodes, and differs from the original by JPEG's loss
        // only (4:2:0 chroma subsampling blurs the colour edges of the sharp synthetic shapes)
        assertThat(input).isEqualTo(asFloats(RgbImage.fromPng(jpeg)));
        assertThat(TestImages.meanAbsoluteDifference(input, asFloats(image))).isLessThan(8.0);
    }

    @Test
    void aJpegDeclaredAsPngIsDecodedAsTheJpegItIs() throws Exception {
        // given JPEG bytes whose sender says image/png
        RgbImage image = synthetic(4);
        byte[] jpeg = TestImages.jpeg(image.toBufferedImage(), 0.95f);

        // when
        ImageHeader header = preprocessor.inspect(jpeg, "image/png");
        float[] input = preprocessor.preprocess(jpeg, "image/png");

        // then the mismatch is noted and the image decodes as JPEG
        assertThat(header.format()).isEqualTo(ImageFormat.JPEG);
        assertThat(header.declaredFormat()).isEqualTo(ImageFormat.PNG);
        assertThat(header.contentTypeMismatch()).isTrue();
        assertThat(input).isEqualTo(preprocessor.preprocess(jpeg));
    }

    @Test
    void inspectReportsTheDeclaredSizeWithoutDecoding() throws Exception {
        // given a PNG whose header claims 300 x 200 but whose data is for 64 x 64
        byte[] png = TestImages.pngDeclaring(synthetic(0).toPng(), 300, 200);

        // when
        ImageHeader header = preprocessor.inspect(png, null);

        // then
        assertThat(header).isEqualTo(new ImageHeader(ImageFormat.PNG, 300, 200, null));
        assertThat(header.pixels()).isEqualTo(60_000);
        assertThat(header.contentTypeMismatch()).isFalse();
    }

    @Test
    void greyscale8BitIsCopiedIntoAllThreeChannelsWithoutGammaChange() throws Exception {
        // given an 8-bit greyscale PNG with a ramp 0..252 along x
        BufferedImage grey = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                grey.getRaster().setSample(x, y, 0, x * 4);
            }
        }

        // when
        float[] input = preprocessor.preprocess(encode(grey, "png"));

        // then (Java's getRGB would have turned 128 into 188: its grey space is linear)
        assertThat(pixel(input, 32, 10)).containsExactly(128, 128, 128);
        assertThat(pixel(input, 63, 63)).containsExactly(252, 252, 252);
        assertThat(pixel(input, 0, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void greyscale16BitIsScaledTo8BitsWithRounding() throws Exception {
        // given a 16-bit greyscale PNG
        BufferedImage grey = new BufferedImage(64, 64, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster raster = grey.getRaster();
        raster.setSample(0, 0, 0, 65535);
        raster.setSample(1, 0, 0, 40000);
        raster.setSample(2, 0, 0, 128);
        raster.setSample(3, 0, 0, 129);

        // when
        float[] input = preprocessor.preprocess(encode(grey, "png"));

        // then v8 = round(v * 255 / 65535)
        assertThat(pixel(input, 0, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(input, 1, 0)).containsExactly(156, 156, 156);
        assertThat(pixel(input, 2, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(input, 3, 0)).containsExactly(1, 1, 1);
        assertThat(pixel(input, 4, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void rgb16BitIsScaledTo8BitsWithRounding() throws Exception {
        // given a 16-bit-per-channel RGB PNG
        ColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage image = new BufferedImage(model, model.createCompatibleWritableRaster(64, 64), false, null);
        image.getRaster().setPixel(7, 9, new int[] {65535, 32896, 257});

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then
        assertThat(pixel(input, 7, 9)).containsExactly(255, 128, 1);
    }

    @Test
    void alphaIsDroppedAndTheStoredColourKept() throws Exception {
        // given an RGBA PNG: an opaque, a half-transparent and a fully transparent pixel
        BufferedImage rgba = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0xFFC83214);
        rgba.setRGB(1, 0, 0x80C83214);
        rgba.setRGB(2, 0, 0x00C83214);

        // when
        float[] input = preprocessor.preprocess(encode(rgba, "png"));

        // then all three keep their colour, as Pillow's convert("RGB") does
        assertThat(pixel(input, 0, 0)).containsExactly(200, 50, 20);
        assertThat(pixel(input, 1, 0)).containsExactly(200, 50, 20);
        assertThat(pixel(input, 2, 0)).containsExactly(200, 50, 20);
        assertThat(pixel(input, 3, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void greyWithAlphaKeepsTheGrey() throws Exception {
        // given a grey + alpha PNG (two 8-bit samples per pixel)
        ColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage image = new BufferedImage(model, model.createCompatibleWritableRaster(64, 64), false, null);
        image.getRaster().setPixel(3, 3, new int[] {90, 0});

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then
        assertThat(pixel(input, 3, 3)).containsExactly(90, 90, 90);
    }

    @Test
    void aPalettePngTakesItsPaletteColoursTransparentEntryIncluded() throws Exception {
        // given a 4-bit palette PNG whose entry 3 is fully transparent (tRNS)
        byte[] reds = {0, (byte) 255, 10, 77};
        byte[] greens = {0, 0, (byte) 200, 88};
        byte[] blues = {0, 0, 50, 99};
        byte[] alphas = {(byte) 255, (byte) 255, (byte) 255, 0};
        IndexColorModel palette = new IndexColorModel(4, 4, reds, greens, blues, alphas);
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_BINARY, palette);
        image.getRaster().setSample(1, 0, 0, 1);
        image.getRaster().setSample(2, 0, 0, 2);
        image.getRaster().setSample(3, 0, 0, 3);

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then
        assertThat(pixel(input, 0, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(input, 1, 0)).containsExactly(255, 0, 0);
        assertThat(pixel(input, 2, 0)).containsExactly(10, 200, 50);
        assertThat(pixel(input, 3, 0)).containsExactly(77, 88, 99);
    }

    @Test
    void aOneBitPngIsBlackAndWhite() throws Exception {
        // given a 1-bit PNG
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_BINARY);
        image.getRaster().setSample(8, 8, 0, 1);

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then
        assertThat(pixel(input, 8, 8)).containsExactly(255, 255, 255);
        assertThat(pixel(input, 9, 8)).containsExactly(0, 0, 0);
    }

    @Test
    void aGreyscaleJpegIsCopiedIntoAllThreeChannels() throws Exception {
        // given a flat mid-grey greyscale JPEG
        BufferedImage grey = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                grey.getRaster().setSample(x, y, 0, 100);
            }
        }

        // when
        float[] input = preprocessor.preprocess(TestImages.jpeg(grey, 1.0f));

        // then
        assertThat(pixel(input, 30, 30)).containsExactly(100, 100, 100);
    }

    @Test
    void aBmpOfASyntheticImagePassesThroughByteExact() throws Exception {
        // given
        RgbImage image = synthetic(5);

        // when
        float[] input = preprocessor.preprocess(encode(image.toBufferedImage(), "bmp"), "image/bmp");

        // then
        assertThat(input).isEqualTo(asFloats(image));
    }

    @Test
    void aGifIsReadThroughItsPalette() throws Exception {
        // given a GIF of an image with a few flat colours (so the palette holds them exactly)
        BufferedImage image = TestImages.filled(64, 64, 0x204060);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, 0xF0A000);
            }
        }

        // when
        float[] input = preprocessor.preprocess(encode(image, "gif"), "image/gif");

        // then
        assertThat(pixel(input, 10, 10)).containsExactly(240, 160, 0);
        assertThat(pixel(input, 10, 50)).containsExactly(32, 64, 96);
    }

    // CMYK: ink C=200 M=50 Y=10 K=30 is RGB round((255-C)(255-K)/255, ...) = (49, 181, 216),
    // what Pillow gives for the same Adobe file.
    private static final int[] INK = {200, 50, 10, 30};
    private static final int[] INK_AS_RGB = {49, 181, 216};

    @Test
    void aCmykJpegWithoutAdobeMarkerIsReadAsInk() throws Exception {
        // given a CMYK JPEG written by ImageIO's JPEG writer from a 4-band raster of ink values
        byte[] jpeg = TestImages.jpegFromRaster(flatRaster(INK));

        // when
        float[] input = preprocessor.preprocess(jpeg, "image/jpeg");

        // then
        assertThat(pixel(input, 20, 20)).containsExactly(INK_AS_RGB[0], INK_AS_RGB[1], INK_AS_RGB[2]);
    }

    @Test
    void anAdobeCmykJpegIsReadWithAdobesInversion() throws Exception {
        // given an Adobe-style CMYK JPEG: samples stored as 255 - ink, APP14 transform 0
        int[] inverted = {255 - INK[0], 255 - INK[1], 255 - INK[2], 255 - INK[3]};
        byte[] jpeg = TestImages.withAdobeMarker(TestImages.jpegFromRaster(flatRaster(inverted)), 0);

        // when
        float[] input = preprocessor.preprocess(jpeg);

        // then
        assertThat(pixel(input, 20, 20)).containsExactly(INK_AS_RGB[0], INK_AS_RGB[1], INK_AS_RGB[2]);
    }

    @Test
    void anAdobeYcckJpegIsReadThroughItsColourTransform() throws Exception {
        // given a YCCK JPEG (APP14 transform 2): YCbCr of (C, M, Y) as if it were RGB, K inverted
        double r = INK[0];
        double g = INK[1];
        double b = INK[2];
        int[] ycck = {
                (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b),
                (int) Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
                (int) Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128),
                255 - INK[3]};
        byte[] jpeg = TestImages.withAdobeMarker(TestImages.jpegFromRaster(flatRaster(ycck)), 2);

        // when
        float[] input = preprocessor.preprocess(jpeg);

        // then (within the YCbCr round trip's rounding)
        float[] rgb = pixel(input, 20, 20);
        for (int c = 0; c < 3; c++) {
            assertThat(rgb[c]).as("channel %d", c).isCloseTo(INK_AS_RGB[c], within(2f));
        }
    }

    @Test
    void aWideCmykJpegIsCroppedLikeAnyOther() throws Exception {
        // given a 96 x 64 CMYK JPEG: the ink colour in the centre 64 columns, no ink at the sides
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 96, 64, 4, null);
        for (int y = 0; y < 64; y++) {
            for (int x = 16; x < 80; x++) {
                raster.setPixel(x, y, INK);
            }
        }
        byte[] jpeg = TestImages.jpegFromRaster(raster);

        // when
        float[] input = preprocessor.preprocess(jpeg);

        // then only the centre (away from JPEG's ringing at the crop edges) is checked exactly
        for (int x = 4; x < 60; x += 5) {
            assertThat(pixel(input, x, 32)).as("x %d", x).containsExactly(INK_AS_RGB[0], INK_AS_RGB[1], INK_AS_RGB[2]);
        }
    }

    @Test
    void preprocessIntoWritesOneSlotOfABatchAndNothingElse() throws Exception {
        // given a batch buffer for three images, filled with a marker value
        RgbImage image = synthetic(1);
        int length = preprocessor.inputLength();
        float[] batch = new float[3 * length];
        Arrays.fill(batch, -1f);

        // when the image goes into slot 1
        preprocessor.preprocessInto(image.toPng(), "image/png", batch, length);

        // then slot 1 holds it and slots 0 and 2 are untouched
        assertThat(Arrays.copyOfRange(batch, length, 2 * length)).isEqualTo(asFloats(image));
        assertThat(Arrays.copyOfRange(batch, 0, length)).containsOnly(-1f);
        assertThat(Arrays.copyOfRange(batch, 2 * length, 3 * length)).containsOnly(-1f);
    }

    @Test
    void manyThreadsGetTheSameResultsAsOne() throws Exception {
        // given images of several kinds and their results computed one at a time
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            images.add(synthetic(i).toPng());
            images.add(TestImages.jpeg(TestImages.blownUp(synthetic(i), 3), 0.9f));
        }
        List<float[]> expected = new ArrayList<>();
        for (byte[] image : images) {
            expected.add(preprocessor.preprocess(image));
        }

        // when 8 threads run them all, many times, on the same preprocessor
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (byte[] image : images) {
                    results.add(pool.submit(() -> preprocessor.preprocess(image)));
                }
            }

            // then every result is the one-at-a-time result
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(expected.get(i % images.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Raster flatRaster(int[] samples) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 64, 64, 4, null);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                raster.setPixel(x, y, samples);
            }
        }
        return raster;
    }

    static float[] pixel(float[] input, int x, int y) {
        int offset = (y * 64 + x) * 3;
        return Arrays.copyOfRange(input, offset, offset + 3);
    }

    private static double sum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }
}

package io.alignstream.runtime.image;

import static io.alignstream.runtime.image.ImagePreprocessorTest.pixel;
import static io.alignstream.runtime.image.TestImages.asFloats;
import static io.alignstream.runtime.image.TestImages.encode;
import static io.alignstream.runtime.image.TestImages.synthetic;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.world.RgbImage;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Images not at the target size: centre crop to the target's aspect, area average down, bilinear up. */
class ImageResizeTest {

    private final ImagePreprocessor preprocessor = new ImagePreprocessor(64, 64);

    @Test
    void anImageBlownUpTenTimesAreaAveragesBackToTheOriginal() throws Exception {
        // given a synthetic image with every pixel made a 10 x 10 block (640 x 640)
        RgbImage image = synthetic(6);
        byte[] large = encode(TestImages.blownUp(image, 10), "png");

        // when
        float[] input = preprocessor.preprocess(large);

        // then each output pixel is the mean of its flat block: the original, exactly
        assertThat(input).isEqualTo(asFloats(image));
    }

    @Test
    void aLargeNonSquareJpegIsCentreCroppedAndDownscaled() throws Exception {
        // given a 1000 x 768 JPEG: the synthetic image blown up 12 times (768 x 768) in the
        // middle, with 116-pixel red bands left and right that the centre crop must drop
        RgbImage image = synthetic(7);
        BufferedImage wide = TestImages.filled(1000, 768, 0xFF0000);
        wide.createGraphics().drawImage(TestImages.blownUp(image, 12), 116, 0, null);
        byte[] jpeg = TestImages.jpeg(wide, 0.95f);

        // when
        float[] input = preprocessor.preprocess(jpeg, "image/jpeg");

        // then it is the original but for JPEG's loss, averaged down (no red from the bands)
        assertThat(TestImages.meanAbsoluteDifference(input, asFloats(image))).isLessThan(2.0);
    }

    @Test
    void aFlatPngCompressedAsFarAsDeflateGoesIsStillAccepted() throws Exception {
        // given a flat 1200 x 1200 PNG: 4.3 MB of pixels in a few kilobytes, a ratio near
        // deflate's best (the forged-size check must not refuse genuine images like it)
        byte[] flat = encode(TestImages.filled(1200, 1200, 0x808080), "png");

        // when
        float[] input = preprocessor.preprocess(flat);

        // then
        assertThat(1200 * 1200 * 3.0 / flat.length).isGreaterThan(300);
        assertThat(input).containsOnly(128f);
    }

    @Test
    void aWideImageKeepsItsCentreSquare() throws Exception {
        // given 96 x 64: the synthetic image at x 16..79 between flat red bands
        RgbImage image = synthetic(8);
        BufferedImage wide = TestImages.filled(96, 64, 0xFF0000);
        wide.createGraphics().drawImage(image.toBufferedImage(), 16, 0, null);

        // when
        float[] input = preprocessor.preprocess(encode(wide, "png"));

        // then the crop is exactly the synthetic image, at scale 1
        assertThat(input).isEqualTo(asFloats(image));
    }

    @Test
    void aTallImageKeepsItsCentreSquare() throws Exception {
        // given 64 x 100: the synthetic image at y 18..81 between flat blue bands
        RgbImage image = synthetic(9);
        BufferedImage tall = TestImages.filled(64, 100, 0x0000FF);
        tall.createGraphics().drawImage(image.toBufferedImage(), 0, 18, null);

        // when
        float[] input = preprocessor.preprocess(encode(tall, "png"));

        // then
        assertThat(input).isEqualTo(asFloats(image));
    }

    @Test
    void aCropWindowStartingMidPixelBlendsTheTwoColumnsItStraddles() throws Exception {
        // given 101 x 64, black in columns 0..49 and white from 50: the 64-wide centre window
        // spans x 18.5 .. 82.5, so target column i covers half of source columns 18+i and 19+i
        BufferedImage image = TestImages.filled(101, 64, 0xFFFFFF);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 50; x++) {
                image.setRGB(x, y, 0);
            }
        }

        // when
        float[] input = preprocessor.preprocess(encode(image, "png"));

        // then column 31 (source 49 and 50) is the rounded mean; its neighbours are pure
        assertThat(pixel(input, 30, 10)).containsExactly(0, 0, 0);
        assertThat(pixel(input, 31, 10)).containsExactly(128, 128, 128);
        assertThat(pixel(input, 32, 10)).containsExactly(255, 255, 255);
    }

    @Test
    void aFinePatternIsAveragedNotAliased() throws Exception {
        // given a 100 x 100 one-pixel checkerboard (scale 1.5625: no integer ratio)
        BufferedImage checkerboard = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                checkerboard.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }

        // when
        float[] input = preprocessor.preprocess(encode(checkerboard, "png"));

        // then every output is a grey near the mean (point sampling would give 0 or 255), a
        // whole number, and the overall mean is kept
        double sum = 0;
        for (float value : input) {
            assertThat(value).isBetween(90f, 165f);
            assertThat(value).isEqualTo((float) Math.rint(value));
            sum += value;
        }
        assertThat(sum / input.length).isBetween(125.5, 129.5);
    }

    @Test
    void upscalingIsBilinearWithPixelCentresAligned() throws Exception {
        // given a 2 x 2 image, black left column and white right column, to a 4 x 4 target:
        // target centres fall on source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        ImagePreprocessor toFour = new ImagePreprocessor(4, 4);
        BufferedImage image = TestImages.filled(2, 2, 0xFFFFFF);
        image.setRGB(0, 0, 0);
        image.setRGB(0, 1, 0);

        // when
        float[] input = toFour.preprocess(encode(image, "png"));

        // then every row reads 0, 64 (63.75), 191 (191.25), 255
        for (int y = 0; y < 4; y++) {
            for (int c = 0; c < 3; c++) {
                assertThat(new float[] {
                        input[(y * 4) * 3 + c], input[(y * 4 + 1) * 3 + c],
                        input[(y * 4 + 2) * 3 + c], input[(y * 4 + 3) * 3 + c]})
                        .containsExactly(0, 64, 191, 255);
            }
        }
    }

    @Test
    void aFlatSmallImageStaysFlatWhenUpscaled() throws Exception {
        // given a flat 16 x 16 image
        byte[] small = encode(TestImages.filled(16, 16, 0x2563C9), "png");

        // when
        float[] input = preprocessor.preprocess(small);

        // then
        for (int i = 0; i < input.length; i += 3) {
            assertThat(new float[] {input[i], input[i + 1], input[i + 2]}).containsExactly(0x25, 0x63, 0xC9);
        }
    }

    @Test
    void theTargetSizeComesFromTheConstructor() throws Exception {
        // given a 32 x 16 target (a wide model input) and the 64 x 64 synthetic image
        ImagePreprocessor wideTarget = new ImagePreprocessor(32, 16);

        // when
        float[] input = wideTarget.preprocess(synthetic(0).toPng());

        // then
        assertThat(wideTarget.inputLength()).isEqualTo(32 * 16 * 3);
        assertThat(input).hasSize(32 * 16 * 3);
    }
}

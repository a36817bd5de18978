package io.alignstream.world;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SceneRendererTest {

    private final SyntheticWorld world = new SyntheticWorld(7);

    @Test
    void primaryObjectCentreHasItsColourUpToJitterAndNoise() {
        for (int i = 0; i < 50; i++) {
            // given a rendered scene whose primary shape is solid at its centre
            WorldSample sample = world.sample(Split.TRAIN, i);
            SceneObject primary = sample.scene().primary();
            if (primary.shape() == Shape.MOON || primary.shape() == Shape.HEART) {
                continue;   // their centres can fall outside the filled area
            }

            // when the pixels around the centre are averaged
            int cx = (int) Math.round(primary.centerX());
            int cy = (int) Math.round(primary.centerY());
            double[] mean = new double[3];
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    for (int c = 0; c < 3; c++) {
                        mean[c] += sample.image().channel(cx + dx, cy + dy, c) / 9.0;
                    }
                }
            }

            // then they match the object's jittered fill colour within the pixel noise
            int rgb = primary.rgb();
            assertThat(mean[0]).isCloseTo((rgb >> 16) & 0xFF, org.assertj.core.data.Offset.offset(12.0));
            assertThat(mean[1]).isCloseTo((rgb >> 8) & 0xFF, org.assertj.core.data.Offset.offset(12.0));
            assertThat(mean[2]).isCloseTo(rgb & 0xFF, org.assertj.core.data.Offset.offset(12.0));
        }
    }

    @Test
    void imagesSurviveAPngRoundTrip() {
        // given a rendered image
        RgbImage image = world.sample(Split.TEST, 0).image();

        // when it is encoded and decoded as PNG
        RgbImage decoded = RgbImage.fromPng(image.toPng());

        // then every byte is kept
        assertThat(decoded.width()).isEqualTo(SyntheticWorld.IMAGE_SIZE);
        assertThat(decoded.pixels()).isEqualTo(image.pixels());
    }
}

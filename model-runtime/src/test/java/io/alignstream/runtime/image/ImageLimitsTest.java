package io.alignstream.runtime.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageLimitsTest {

    @Test
    void defaultsAre20MibAnd40MillionPixels() {
        // when
        ImageLimits limits = ImageLimits.defaults();

        // then
        assertThat(limits.maxEncodedBytes()).isEqualTo(20L * 1024 * 1024);
        assertThat(limits.maxDeclaredPixels()).isEqualTo(40_000_000L);
    }

    @Test
    void eachLimitCanBeChangedOnItsOwn() {
        // given
        ImageLimits limits = ImageLimits.defaults();

        // when
        ImageLimits changed = limits.withMaxEncodedBytes(1000).withMaxDeclaredPixels(4096);

        // then
        assertThat(changed).isEqualTo(new ImageLimits(1000, 4096));
        assertThat(limits).isEqualTo(ImageLimits.defaults());
    }

    @Test
    void refusesLimitsBelowOneNamingTheField() {
        assertThatThrownBy(() -> new ImageLimits(0, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEncodedBytes");
        assertThatThrownBy(() -> new ImageLimits(100, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDeclaredPixels");
    }

    @Test
    void refusesAPixelLimitNoJavaRasterCouldHold() {
        assertThatThrownBy(() -> ImageLimits.defaults().withMaxDeclaredPixels(ImageLimits.MAX_SUPPORTED_PIXELS + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxDeclaredPixels").hasMessageContaining("raster");
        assertThatThrownBy(() -> ImageLimits.defaults().withMaxEncodedBytes(ImageLimits.MAX_SUPPORTED_ENCODED_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEncodedBytes");
    }
}

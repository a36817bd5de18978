package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `model import` writes is a bundle the runtime loads: its vision and text heads run on
 * the engine with the manifest's preprocessing, roles and pooling; it is not servable until its
 * TEVI and AlignVLM heads are trained.
 */
class ImportedBundleRuntimeTest {

    @TempDir
    Path temp;

    @Test
    void anImportedStandInLoadsAndEmbedsImagesAndCaptionsThroughTheEngine() {
        // given the stand-in CLIP in Optimum's layout, imported
        Path bundleDir = temp.resolve("bundle");
        ClipImport.run(StandIn.build("optimum"), bundleDir, ImportOptions.defaults("stand-in-clip"));

        // when the bundle is loaded and its encoders run on synthetic-world scenes and captions
        ModelBundle bundle = ModelBundle.load(bundleDir);
        SyntheticWorld world = new SyntheticWorld(7);
        List<float[]> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WorldSample sample = world.sample(Split.TEST, i);
            images.add(hwcFloats(sample.image().pixels()));
            captions.add(sample.webCaptions().get(0).text());
        }
        try (ModelRuntime runtime = ModelRuntime.open(bundle, EngineConfig.defaults());
             VisionTower vision = runtime.newVisionTower();
             TextTower text = runtime.newTextTower()) {
            List<VisionEmbedding> embedded = vision.embed(images);
            float[][] captionEmbeddings = text.embedAll(captions);

            // then every embedding has the model's width and unit length (image_embeds and
            // text_embeds are normalised by the runtime, as the manifest asks)
            for (VisionEmbedding e : embedded) {
                assertThat(e.embedding()).hasSize(StandIn.EMBEDDING);
                assertThat(norm(e.embedding())).isCloseTo(1.0, within(1e-5));
                assertThat(e.patchTokens()).hasSize(StandIn.PATCH_TOKENS * StandIn.PATCH_DIM);
            }
            for (float[] e : captionEmbeddings) {
                assertThat(e).hasSize(StandIn.EMBEDDING);
                assertThat(norm(e)).isCloseTo(1.0, within(1e-5));
            }
            // and different scenes and captions give different embeddings
            assertThat(embedded.get(0).embedding()).isNotEqualTo(embedded.get(1).embedding());
            assertThat(captionEmbeddings[0]).isNotEqualTo(captionEmbeddings[1]);
            // and a batch gives what one caption alone gives (padding masked, eos pooled inside the model)
            float[] alone = text.embed(captions.get(2));
            for (int d = 0; d < alone.length; d++) {
                assertThat(captionEmbeddings[2][d]).isCloseTo(alone[d], within(1e-4f));
            }
            // and asking it for a head it has not got says what to do
            assertThat(bundle.manifest().servable()).isFalse();
            assertThatThrownBy(runtime::newTeviAligner).hasMessageContaining("has no tevi head")
                    .hasMessageContaining("docs/bring-your-own-model.md");
        }
        assertThat(bundle.manifest().head(BundleManifest.VISION).tensor("image")).isEqualTo("pixel_values");
    }

    private static float[] hwcFloats(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = pixels[i] & 0xFF;
        }
        return out;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}

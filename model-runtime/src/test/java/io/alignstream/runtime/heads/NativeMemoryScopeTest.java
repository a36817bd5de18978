package io.alignstream.runtime.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.InferenceEngine;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every call releases the native arrays it made: nothing accumulates on a model's NDManager,
 * however many batches run (the precondition for a flat resident set over long runs).
 */
class NativeMemoryScopeTest {

    @Test
    void repeatedBatchesLeaveNoArraysBehindOnAnyHead() {
        // given the three heads on their own models, and real images from the synthetic world
        ModelBundle bundle = ModelBundle.loadDefault();
        BundleManifest manifest = bundle.manifest();
        SyntheticWorld world = new SyntheticWorld(manifest.worldSeed());
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(ImagePixels.toFloats(world.sample(Split.TRAIN, i).image().pixels()));
        }
        try (InferenceEngine engine = InferenceEngine.open(EngineConfig.defaults());
             Model vision = engine.load("vision", bundle.headModel(BundleManifest.VISION));
             Model tevi = engine.load("tevi", bundle.headModel(BundleManifest.TEVI));
             Model align = engine.load("align", bundle.headModel(BundleManifest.ALIGN));
             VisionTower tower = new VisionTower(vision, manifest);
             TeviAligner aligner = new TeviAligner(tevi, manifest);
             AlignVlmProjector projector = new AlignVlmProjector(align, manifest, bundle.vocabulary())) {
            int[] before = {arrays(vision), arrays(tevi), arrays(align)};

            // when many batches run through each head
            for (int round = 0; round < 20; round++) {
                List<VisionEmbedding> embedded = tower.embed(images);
                List<float[]> embeddings = embedded.stream().map(VisionEmbedding::embedding).toList();
                aligner.align(embeddings, embeddings);
                projector.project(embedded.stream().map(VisionEmbedding::patchTokens).toList());
            }

            // then no model's manager holds more arrays than before
            assertThat(new int[] {arrays(vision), arrays(tevi), arrays(align)}).isEqualTo(before);
        }
    }

    private static int arrays(Model model) {
        return model.getNDManager().getManagedArrays().size();
    }
}

package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.ModelBundle;
import java.nio.file.Path;

/** Opens the models the way {@code AlignstreamApp} does, for the measurements that do not run it. */
final class BenchModels {
    private BenchModels() {
    }

    static InferenceModels open(AlignstreamConfig config) {
        ModelBundle bundle = config.modelBundle().map(path -> ModelBundle.load(Path.of(path)))
                .orElseGet(ModelBundle::loadDefault);
        ModelRuntime runtime = ModelRuntime.open(bundle, config.engineConfig());
        return RuntimeInferenceModels.owning(runtime, config.imageLimits(), config.serviceFaults());
    }
}

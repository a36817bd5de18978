package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import java.nio.file.Path;
import java.util.Map;

/** Opens the models the way {@code AlignstreamApp} does, for the measurements that do not run it. */
final class BenchModels {
    private BenchModels() {
    }

    /** Models and the precision each head was opened in. */
    record Opened(InferenceModels models, Map<String, Precision> precisions) { }

    static InferenceModels open(AlignstreamConfig config) {
        return openDescribed(config).models();
    }

    static Opened openDescribed(AlignstreamConfig config) {
        ModelBundle bundle = config.modelBundle().map(path -> ModelBundle.load(Path.of(path)))
                .orElseGet(ModelBundle::loadDefault);
        ModelRuntime runtime = ModelRuntime.open(bundle, config.engineConfig());
        try {
            return new Opened(RuntimeInferenceModels.owning(runtime, config.imageLimits(), config.serviceFaults()),
                    runtime.precisions());
        } catch (RuntimeException e) {
            runtime.close();    // its native sessions must not outlive a refused bundle
            throw e;
        }
    }
}

package io.alignstream.inference;

import io.alignstream.events.ModelRef;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.AlignVlmProjector;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.TokenCounter;
import java.util.Arrays;
import java.util.List;

/**
 * {@link InferenceModels} over the model runtime (ONNX Runtime through DJL): every head, the
 * text head included, comes from the bundle and runs on its device, one instance per session.
 */
public final class RuntimeInferenceModels implements InferenceModels {
    private final ModelRuntime runtime;
    /** Counts tokens only (the tokenizer, no model run): shared by the caption preparers. */
    private final TextTower tokenCounting;
    private final ImagePreprocessor preprocessor;
    private final ModelRef modelRef;
    private final boolean ownsRuntime;
    private final ServiceFaults faults;

    private RuntimeInferenceModels(ModelRuntime runtime, boolean ownsRuntime, ImageLimits limits, ServiceFaults faults) {
        this.runtime = runtime;
        this.faults = java.util.Objects.requireNonNull(faults, "faults");
        this.ownsRuntime = ownsRuntime;
        BundleManifest manifest = runtime.bundle().manifest();
        if (!manifest.servable()) {
            if (ownsRuntime) {
                runtime.close();
            }
            throw new IllegalArgumentException(runtime.bundle() + " cannot be served: it has heads "
                    + manifest.heads().keySet() + " and the service needs " + BundleManifest.HEADS
                    + " (an imported model's TEVI and AlignVLM heads are trained with"
                    + " model-runtime/training, docs/bring-your-own-model.md)");
        }
        int size = manifest.preprocessing().imageSize();
        this.preprocessor = new ImagePreprocessor(size, size, limits);
        this.modelRef = ModelRef.newBuilder().setId(manifest.modelId()).setVersion(manifest.version())
                .setPrecision(io.alignstream.runtime.bundle.Precision.label(runtime.precisions())).build();
        this.tokenCounting = runtime.newTextTower();
    }

    /** Opens models over {@code runtime}, which the caller keeps and closes. */
    public static RuntimeInferenceModels over(ModelRuntime runtime, ImageLimits limits, ServiceFaults faults) {
        return new RuntimeInferenceModels(runtime, false, limits, faults);
    }

    /** Opens and owns {@code runtime}: closing these models closes it. */
    public static RuntimeInferenceModels owning(ModelRuntime runtime, ImageLimits limits, ServiceFaults faults) {
        return new RuntimeInferenceModels(runtime, true, limits, faults);
    }

    @Override
    public ModelRef modelRef() {
        return ModelRef.newBuilder(modelRef).build();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    @Override
    public TokenCounter tokenCounter() {
        return tokenCounting;
    }

    @Override
    public ServiceFaults faults() {
        return faults;
    }

    @Override
    public InferenceSession openSession() {
        return new Session();
    }

    @Override
    public void close() {
        tokenCounting.close();
        if (ownsRuntime) {
            runtime.close();
        }
    }

    private final class Session implements InferenceSession {
        private final VisionTower vision = runtime.newVisionTower();
        private final TeviAligner tevi = runtime.newTeviAligner();
        private final AlignVlmProjector align = runtime.newAlignVlmProjector();
        private final TextTower text = runtime.newTextTower();

        @Override
        public List<VisionEmbedding> embedImages(List<float[]> images) {
            return vision.embed(images);
        }

        @Override
        public List<SparseCode> sparseCodes(List<float[]> imageEmbeddings) {
            return tevi.codes(imageEmbeddings);
        }

        @Override
        public List<AlignVlmProjection> project(List<float[]> patchTokens) {
            return align.project(patchTokens);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            return Arrays.asList(text.embedAll(texts));
        }

        @Override
        public List<CaptionQuery> queries(List<float[]> captionEmbeddings) {
            return tevi.queries(captionEmbeddings);
        }

        @Override
        public List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
            return tevi.align(imageEmbeddings, captionEmbeddings);
        }

        @Override
        public ServiceFaults faults() {
            return faults;
        }

        @Override
        public int dictionarySize() {
            return runtime.bundle().dims().saeLatents();
        }

        @Override
        public boolean hasCaptionAdapter() {
            return runtime.bundle().manifest().hasCaptionAdapter();
        }

        @Override
        public void close() {
            vision.close();
            text.close();
            tevi.close();
            align.close();
        }
    }
}

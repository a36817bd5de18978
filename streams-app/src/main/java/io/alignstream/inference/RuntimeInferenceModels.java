package io.alignstream.inference;

import io.alignstream.events.ModelRef;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.AlignVlmProjector;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.MiniLmTextEncoder;
import io.alignstream.text.TokenCounter;
import java.util.Arrays;
import java.util.List;

/**
 * {@link InferenceModels} over the model runtime (ONNX Runtime through DJL) and the real
 * MiniLM text encoder. The text encoder has one predictor, so calls to it are serialised; the
 * heads are per session.
 */
public final class RuntimeInferenceModels implements InferenceModels {
    private final ModelRuntime runtime;
    private final MiniLmTextEncoder textEncoder;
    private final ImagePreprocessor preprocessor;
    private final ModelRef modelRef;
    private final boolean ownsRuntime;
    private final ServiceFaults faults;

    private RuntimeInferenceModels(ModelRuntime runtime, boolean ownsRuntime, ImageLimits limits, ServiceFaults faults) {
        this.runtime = runtime;
        this.faults = java.util.Objects.requireNonNull(faults, "faults");
        this.ownsRuntime = ownsRuntime;
        BundleManifest manifest = runtime.bundle().manifest();
        int size = manifest.preprocessing().imageSize();
        this.preprocessor = new ImagePreprocessor(size, size, limits);
        this.modelRef = ModelRef.newBuilder().setId(manifest.modelId()).setVersion(manifest.version()).build();
        MiniLmTextEncoder encoder;
        try {
            encoder = MiniLmTextEncoder.load();
        } catch (RuntimeException e) {
            if (ownsRuntime) {
                runtime.close();
            }
            throw e;
        }
        this.textEncoder = encoder;
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
        return text -> {
            synchronized (textEncoder) {
                return textEncoder.count(text);
            }
        };
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
        textEncoder.close();
        if (ownsRuntime) {
            runtime.close();
        }
    }

    private final class Session implements InferenceSession {
        private final VisionTower vision = runtime.newVisionTower();
        private final TeviAligner tevi = runtime.newTeviAligner();
        private final AlignVlmProjector align = runtime.newAlignVlmProjector();

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
            float[][] out;
            synchronized (textEncoder) {
                out = textEncoder.embedAll(texts);
            }
            return Arrays.asList(out);
        }

        @Override
        public List<float[]> masks(List<float[]> captionEmbeddings) {
            return tevi.masks(captionEmbeddings);
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
        public void close() {
            vision.close();
            tevi.close();
            align.close();
        }
    }
}

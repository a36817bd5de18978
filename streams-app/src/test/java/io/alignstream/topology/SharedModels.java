package io.alignstream.topology;

import io.alignstream.faults.ServiceFaults;
import io.alignstream.faults.TestFaults;
import io.alignstream.events.ModelRef;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.TokenCounter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The real default bundle and MiniLM, loaded once for all topology tests (a few seconds), and
 * two test decorators over them: one that counts what each head is asked to compute, one that
 * makes the vision tower fail for one chosen image.
 */
final class SharedModels {
    private static InferenceModels shared;

    private SharedModels() {
    }

    static synchronized InferenceModels real() {
        if (shared == null) {
            shared = RuntimeInferenceModels.owning(ModelRuntime.openDefault(), ImageLimits.defaults(), TestFaults.defaults());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** Counts images given to the vision tower and texts given to the text encoder. */
    static final class Counting extends Decorated {
        final AtomicInteger imagesEmbedded = new AtomicInteger();
        final AtomicInteger visionCalls = new AtomicInteger();
        final AtomicInteger textsEmbedded = new AtomicInteger();

        Counting() {
            super(real());
        }

        @Override
        List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
            visionCalls.incrementAndGet();
            imagesEmbedded.addAndGet(images.size());
            return session.embedImages(images);
        }

        @Override
        List<float[]> embedTexts(InferenceSession session, List<String> texts) {
            textsEmbedded.addAndGet(texts.size());
            return session.embedTexts(texts);
        }
    }

    /** The vision tower throws for any batch holding an image the predicate picks (a model failure). */
    static final class FailingFor extends Decorated {
        private final Predicate<float[]> poison;

        FailingFor(Predicate<float[]> poison) {
            super(real());
            this.poison = poison;
        }

        static FailingFor image(float[] pixels) {
            return new FailingFor(candidate -> Arrays.equals(candidate, pixels));
        }

        @Override
        List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
            if (images.stream().anyMatch(poison)) {
                throw new IllegalStateException("simulated device fault");
            }
            return session.embedImages(images);
        }
    }

    /** Passes everything to the real models; subclasses intercept a head. */
    abstract static class Decorated implements InferenceModels {
        private final InferenceModels delegate;

        Decorated(InferenceModels delegate) {
            this.delegate = delegate;
        }

        List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
            return session.embedImages(images);
        }

        List<float[]> embedTexts(InferenceSession session, List<String> texts) {
            return session.embedTexts(texts);
        }

        @Override
        public ModelRef modelRef() {
            return delegate.modelRef();
        }

        @Override
        public ImagePreprocessor preprocessor() {
            return delegate.preprocessor();
        }

        @Override
        public TokenCounter tokenCounter() {
            return delegate.tokenCounter();
        }

        @Override
        public ServiceFaults faults() {
            return delegate.faults();
        }

        @Override
        public InferenceSession openSession() {
            InferenceSession session = delegate.openSession();
            return new InferenceSession() {
                @Override
                public List<VisionEmbedding> embedImages(List<float[]> images) {
                    return Decorated.this.embedImages(session, images);
                }

                @Override
                public List<SparseCode> sparseCodes(List<float[]> imageEmbeddings) {
                    return session.sparseCodes(imageEmbeddings);
                }

                @Override
                public List<AlignVlmProjection> project(List<float[]> patchTokens) {
                    return session.project(patchTokens);
                }

                @Override
                public List<float[]> embedTexts(List<String> texts) {
                    return Decorated.this.embedTexts(session, texts);
                }

                @Override
                public List<float[]> masks(List<float[]> captionEmbeddings) {
                    return session.masks(captionEmbeddings);
                }

                @Override
                public List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
                    return session.align(imageEmbeddings, captionEmbeddings);
                }

                @Override
                public ServiceFaults faults() {
                    return session.faults();
                }

                @Override
                public int dictionarySize() {
                    return session.dictionarySize();
                }

                @Override
                public void close() {
                    session.close();
                }
            };
        }

        @Override
        public void close() {
            // the shared models stay open for the other tests
        }
    }
}

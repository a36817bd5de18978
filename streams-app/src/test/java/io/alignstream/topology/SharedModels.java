package io.alignstream.topology;

import io.alignstream.faults.TestFaults;
import io.alignstream.inference.ForwardingModels;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImageLimits;
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
        protected List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
            visionCalls.incrementAndGet();
            imagesEmbedded.addAndGet(images.size());
            return session.embedImages(images);
        }

        @Override
        protected List<float[]> embedTexts(InferenceSession session, List<String> texts) {
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
        protected List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
            if (images.stream().anyMatch(poison)) {
                throw new IllegalStateException("simulated device fault");
            }
            return session.embedImages(images);
        }
    }

    /** Passes everything to the shared real models, which it leaves open; subclasses intercept a head. */
    abstract static class Decorated extends ForwardingModels {
        Decorated(InferenceModels delegate) {
            super(delegate);
        }

        @Override
        public void close() {
            // the shared models stay open for the other tests
        }
    }
}

package io.alignstream.resilience;

import io.alignstream.events.ModelRef;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.TokenCounter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The real models, seen through a fault: the first {@code failures} calls of one head, across all
 * tasks of the instance, throw what {@code fault} makes; every other call goes to the real head.
 * What a runtime that loses its device for a moment, or a JVM short of memory, looks like to the
 * topology.
 */
final class FaultyModels implements InferenceModels {
    /** The heads a fault can be put on. */
    enum Head { EMBED_IMAGES, ALIGN }

    private final InferenceModels models;
    private final Head head;
    private final AtomicInteger failuresLeft;
    private final Supplier<? extends Throwable> fault;
    private final AtomicInteger thrown;

    private FaultyModels(InferenceModels models, Head head, int failures, Supplier<? extends Throwable> fault,
                         AtomicInteger thrown) {
        this.models = models;
        this.head = head;
        this.failuresLeft = new AtomicInteger(failures);
        this.fault = fault;
        this.thrown = thrown;
    }

    /** A view for {@code AlignstreamApp.start(config, view)}; {@code thrown} counts the faults it threw. */
    static UnaryOperator<InferenceModels> failing(Head head, int failures, Supplier<? extends Throwable> fault,
                                                  AtomicInteger thrown) {
        return models -> new FaultyModels(models, head, failures, fault, thrown);
    }

    @Override
    public ModelRef modelRef() {
        return models.modelRef();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return models.preprocessor();
    }

    @Override
    public TokenCounter tokenCounter() {
        return models.tokenCounter();
    }

    @Override
    public ServiceFaults faults() {
        return models.faults();
    }

    @Override
    public InferenceSession openSession() {
        return new FaultySession(models.openSession());
    }

    @Override
    public void close() {
        models.close();
    }

    private void maybeFail(Head called) {
        if (called == head && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            thrown.incrementAndGet();
            Throwable t = fault.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            throw (Error) t;
        }
    }

    private final class FaultySession implements InferenceSession {
        private final InferenceSession session;

        FaultySession(InferenceSession session) {
            this.session = session;
        }

        @Override
        public List<VisionEmbedding> embedImages(List<float[]> images) {
            maybeFail(Head.EMBED_IMAGES);
            return session.embedImages(images);
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
            return session.embedTexts(texts);
        }

        @Override
        public List<float[]> masks(List<float[]> captionEmbeddings) {
            return session.masks(captionEmbeddings);
        }

        @Override
        public List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
            maybeFail(Head.ALIGN);
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
    }
}

package io.alignstream.resilience;

import io.alignstream.inference.ForwardingModels;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
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
final class FaultyModels extends ForwardingModels {
    /** The heads a fault can be put on. */
    enum Head { EMBED_IMAGES, ALIGN }

    private final Head head;
    private final AtomicInteger failuresLeft;
    private final Supplier<? extends Throwable> fault;
    private final AtomicInteger thrown;

    private FaultyModels(InferenceModels models, Head head, int failures, Supplier<? extends Throwable> fault,
                         AtomicInteger thrown) {
        super(models);
        this.head = head;
        this.failuresLeft = new AtomicInteger(failures);
        this.fault = fault;
        this.thrown = thrown;
    }

    /** A view for {@code AlignstreamApp.Seams.models}; {@code thrown} counts the faults it threw. */
    static UnaryOperator<InferenceModels> failing(Head head, int failures, Supplier<? extends Throwable> fault,
                                                  AtomicInteger thrown) {
        return models -> new FaultyModels(models, head, failures, fault, thrown);
    }

    @Override
    protected List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
        maybeFail(Head.EMBED_IMAGES);
        return session.embedImages(images);
    }

    @Override
    protected List<TeviAlignment> align(InferenceSession session, List<float[]> imageEmbeddings,
                                        List<float[]> captionEmbeddings) {
        maybeFail(Head.ALIGN);
        return session.align(imageEmbeddings, captionEmbeddings);
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
}

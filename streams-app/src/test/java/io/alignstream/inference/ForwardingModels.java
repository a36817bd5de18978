package io.alignstream.inference;

import io.alignstream.events.ModelRef;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.TokenCounter;
import java.util.List;

/**
 * Real models seen through a test's interception: everything goes to {@code delegate}, and a
 * subclass overrides the head it wants to count, break or slow down. The one decorator design
 * of the test suites (topology tests and fault injection alike).
 */
public abstract class ForwardingModels implements InferenceModels {
    private final InferenceModels delegate;

    protected ForwardingModels(InferenceModels delegate) {
        this.delegate = delegate;
    }

    protected List<VisionEmbedding> embedImages(InferenceSession session, List<float[]> images) {
        return session.embedImages(images);
    }

    protected List<float[]> embedTexts(InferenceSession session, List<String> texts) {
        return session.embedTexts(texts);
    }

    protected boolean hasCaptionAdapter(InferenceSession session) {
        return session.hasCaptionAdapter();
    }

    protected List<CaptionQuery> queries(InferenceSession session, List<float[]> captionEmbeddings) {
        return session.queries(captionEmbeddings);
    }

    protected List<TeviAlignment> align(InferenceSession session, List<float[]> imageEmbeddings,
                                        List<float[]> captionEmbeddings) {
        return session.align(imageEmbeddings, captionEmbeddings);
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

    /** Closes the delegate; a subclass over shared models overrides this to leave them open. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public InferenceSession openSession() {
        InferenceSession session = delegate.openSession();
        return new InferenceSession() {
            @Override
            public List<VisionEmbedding> embedImages(List<float[]> images) {
                return ForwardingModels.this.embedImages(session, images);
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
                return ForwardingModels.this.embedTexts(session, texts);
            }

            @Override
            public List<CaptionQuery> queries(List<float[]> captionEmbeddings) {
                return ForwardingModels.this.queries(session, captionEmbeddings);
            }

            @Override
            public List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
                return ForwardingModels.this.align(session, imageEmbeddings, captionEmbeddings);
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
            public boolean hasCaptionAdapter() {
                return ForwardingModels.this.hasCaptionAdapter(session);
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }
}

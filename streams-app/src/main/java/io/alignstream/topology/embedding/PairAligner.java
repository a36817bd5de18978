package io.alignstream.topology.embedding;

import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.runtime.heads.TeviAlignment;
import java.util.List;

/** (image, caption) pairs to TEVI-aligned embeddings, one head call per batch, a failing pair failing alone. */
public final class PairAligner {
    private final InferenceSession session;
    private final IsolatingCall<Embeddings, TeviAlignment> call;

    public PairAligner(InferenceSession session, PipelineMetrics metrics) {
        this.session = session;
        this.call = new IsolatingCall<>(InferenceStage.TEVI, batch -> session.align(
                batch.stream().map(Embeddings::image).toList(), batch.stream().map(Embeddings::caption).toList()),
                this::canary, metrics, session.faults().retry());
    }

    /**
     * A known-good pair before any pair was aligned: the canary caption's embedding on both sides
     * (images and captions share one embedding space and size).
     */
    private Embeddings canary() {
        float[] caption = session.embedTexts(List.of(CaptionEmbedder.CANARY_CAPTION)).get(0);
        return new Embeddings(caption, caption);
    }

    /** One embedding pair in, one result out, in order. */
    public record Embeddings(float[] image, float[] caption) {
    }

    /** One result per pair, in order; model faults retried until {@code deadlineNanos}, the batch's. */
    public List<StageResult<TeviAlignment>> align(List<Embeddings> pairs, long deadlineNanos) {
        return call.run(pairs, deadlineNanos);
    }
}

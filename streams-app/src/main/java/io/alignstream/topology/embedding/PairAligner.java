package io.alignstream.topology.embedding;

import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.runtime.heads.TeviAlignment;
import java.util.List;

/** (image, caption) pairs to TEVI-aligned embeddings, one head call per batch, a failing pair failing alone. */
public final class PairAligner {
    private final InferenceSession session;
    private final IsolatingCall call;

    public PairAligner(InferenceSession session, PipelineMetrics metrics) {
        this.session = session;
        this.call = new IsolatingCall(metrics);
    }

    /** One embedding pair in, one result out, in order. */
    public record Embeddings(float[] image, float[] caption) {
    }

    public List<StageResult<TeviAlignment>> align(List<Embeddings> pairs) {
        return call.run(InferenceStage.TEVI, pairs, batch -> session.align(
                batch.stream().map(Embeddings::image).toList(), batch.stream().map(Embeddings::caption).toList()));
    }
}

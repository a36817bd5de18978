package io.alignstream.topology.embedding;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.CaptionPreparer.PreparedCaption;
import io.alignstream.text.CaptionRejectedException;
import io.alignstream.text.LongCaptionEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Captions of one batch, to embeddings by the bundle's rule (docs/model-bundle.md): cleaned,
 * split into sub-captions of at most 32 tokens, every sub-caption of the batch embedded in one
 * MiniLM call, and each caption's embedding the L2-normalised mean of its sub-captions'. Each
 * result keeps its sub-caption count: what makes the caption short or long for the monitor.
 */
public final class CaptionEmbedder {
    private final InferenceSession session;
    private final CaptionPreparer preparer;
    /** The probe's input before any caption was embedded: short, plain, one sub-caption. */
    static final String CANARY_CAPTION = "a plain grey square";

    private final IsolatingCall<PreparedCaption, EmbeddedCaption> call;

    public CaptionEmbedder(InferenceSession session, CaptionPreparer preparer, PipelineMetrics metrics) {
        this.session = session;
        this.preparer = preparer;
        this.call = new IsolatingCall<>(InferenceStage.TEXT, this::embedPrepared, this::canary, metrics,
                session.faults().retry());
    }

    /**
     * How many sub-captions {@code caption} is embedded as, without embedding it (0 when its text
     * no longer prepares, e.g. under lower limits than when it was embedded).
     */
    public int subCaptions(CaptionEvent caption) {
        try {
            return preparer.prepare(caption.getText()).subCaptions().size();
        } catch (CaptionRejectedException e) {
            return 0;
        }
    }

    private PreparedCaption canary() {
        try {
            return preparer.prepare(CANARY_CAPTION);
        } catch (CaptionRejectedException e) {
            throw new IllegalStateException("the canary caption is refused: " + e.getMessage(), e);
        }
    }

    /** One result per caption, in order, with a retry budget of its own started now. */
    public List<StageResult<EmbeddedCaption>> embed(List<CaptionEvent> captions) {
        return embed(captions, session.faults().retry().start().deadlineNanos());
    }

    /** One result per caption, in order; model faults retried until {@code deadlineNanos}, the batch's. */
    public List<StageResult<EmbeddedCaption>> embed(List<CaptionEvent> captions, long deadlineNanos) {
        List<StageResult<EmbeddedCaption>> results = new ArrayList<>(captions.size());
        List<PreparedCaption> prepared = new ArrayList<>();
        List<Integer> preparedAt = new ArrayList<>();
        for (int i = 0; i < captions.size(); i++) {
            CaptionEvent caption = captions.get(i);
            results.add(null);
            try {
                prepared.add(preparer.prepare(caption.getText()));
                preparedAt.add(i);
            } catch (CaptionRejectedException e) {
                results.set(i, StageResult.rejected(e.reason() == CaptionRejectedException.Reason.TOO_LONG
                        ? DeadLetterReason.OVER_LIMIT : DeadLetterReason.INVALID_EVENT,
                        "caption " + caption.getCaptionId() + ": " + e.getMessage()));
            }
        }
        // The unit of isolation is a caption (all its sub-captions), so a failing caption fails alone.
        List<StageResult<EmbeddedCaption>> embedded = call.run(prepared, deadlineNanos);
        for (int j = 0; j < embedded.size(); j++) {
            results.set(preparedAt.get(j), embedded.get(j));
        }
        return results;
    }

    private List<EmbeddedCaption> embedPrepared(List<PreparedCaption> captions) {
        List<String> subCaptions = new ArrayList<>();
        captions.forEach(caption -> subCaptions.addAll(caption.subCaptions()));
        List<float[]> vectors = session.embedTexts(subCaptions);
        List<EmbeddedCaption> out = new ArrayList<>(captions.size());
        int next = 0;
        for (PreparedCaption caption : captions) {
            int count = caption.subCaptions().size();
            out.add(new EmbeddedCaption(
                    LongCaptionEncoder.meanOfNormalised(vectors.subList(next, next + count).toArray(float[][]::new)), count));
            next += count;
        }
        return out;
    }
}

package io.alignstream.runtime.heads;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.TokenizerVocabulary;
import java.util.ArrayList;
import java.util.List;

/**
 * The AlignVLM connector ({@code align.onnx}): patch tokens to word-embedding mixtures, their
 * mean, and the words they are made of, named from MiniLM's vocabulary.
 *
 * <p>Threading: as {@link VisionTower}: one thread at a time per instance.
 */
public final class AlignVlmProjector implements AutoCloseable {

    private final HeadSession session;
    private final TokenizerVocabulary vocabulary;
    private final int tokens;
    private final int patchDim;
    private final int top;

    /** A projector over the bundle's loaded AlignVLM model (the model stays owned by the caller). */
    public AlignVlmProjector(Model model, BundleManifest manifest, TokenizerVocabulary vocabulary) {
        this.session = new HeadSession(BundleManifest.ALIGN, model, manifest.head(BundleManifest.ALIGN));
        this.vocabulary = vocabulary;
        this.tokens = manifest.dims().patchTokens();
        this.patchDim = manifest.dims().patchDim();
        this.top = manifest.dims().alignTop();
    }

    /**
     * Projects the patch tokens of a batch of images.
     *
     * @param patchTokens per image, dims.patch_tokens x dims.patch_dim row-major (from
     *                    {@link VisionEmbedding#patchTokens()})
     */
    public synchronized List<AlignVlmProjection> project(List<float[]> patchTokens) {
        int batch = patchTokens.size();
        HeadSession.Outputs out = session.run(new HeadSession.Input("patch_tokens",
                HeadSession.concat(session.name(), "patch_tokens", patchTokens, tokens * patchDim), batch, tokens, patchDim));
        List<float[]> projected = HeadSession.rows(out.floats("projected_tokens"), batch);
        List<float[]> pooled = HeadSession.rows(out.floats("pooled"), batch);
        long[] ids = out.longs("top_ids");
        float[] weights = out.floats("top_weights");
        List<AlignVlmProjection> results = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            List<VocabularyWord> words = new ArrayList<>(top);
            for (int j = 0; j < top; j++) {
                long id = ids[i * top + j];
                words.add(new VocabularyWord(id, vocabulary.word(id), weights[i * top + j]));
            }
            results.add(new AlignVlmProjection(projected.get(i), pooled.get(i), words));
        }
        return results;
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}

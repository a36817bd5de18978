package io.alignstream.runtime.heads;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.List;

/**
 * The TEVI head ({@code tevi.onnx}): (image embedding, caption embedding) pairs to aligned
 * embeddings, sparse codes and mask statistics; also an image's code alone and a caption's query
 * embedding and mask alone, which the retrieval scorer indexes and queries with. A bundle with a
 * caption adapter ({@link BundleManifest#CAPTION_ALIGNED}) aligns to the adapted caption q; one
 * without aligns to the caption embedding itself, so q = t.
 *
 * <p>Threading: as {@link VisionTower}: one thread at a time per instance.
 */
public final class TeviAligner implements AutoCloseable {

    private final HeadSession session;
    private final int embedding;
    private final boolean adapter;

    /** An aligner over the bundle's loaded TEVI model (the model stays owned by the caller). */
    public TeviAligner(Model model, BundleManifest manifest) {
        this.session = new HeadSession(BundleManifest.TEVI, model, manifest.head(BundleManifest.TEVI));
        this.embedding = manifest.dims().embedding();
        this.adapter = manifest.hasCaptionAdapter();
    }

    /**
     * Aligns each image embedding to the caption at the same position.
     *
     * @param imageEmbeddings   from {@link VisionTower}, dims.embedding each
     * @param captionEmbeddings MiniLM caption embeddings (docs/model-bundle.md's rule), same count
     */
    public synchronized List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
        HeadSession.Outputs out = run(imageEmbeddings, captionEmbeddings);
        int batch = imageEmbeddings.size();
        List<float[]> aligned = HeadSession.rows(out.floats("aligned_embedding"), batch);
        List<float[]> codes = HeadSession.rows(out.floats("sparse_codes"), batch);
        List<float[]> masks = HeadSession.rows(out.floats("mask"), batch);
        List<float[]> queries = queries(out, captionEmbeddings);
        List<TeviAlignment> results = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            SparseCode code = SparseCode.fromDense(codes.get(i));
            results.add(new TeviAlignment(aligned.get(i), code, MaskStatistics.of(masks.get(i), code), queries.get(i)));
        }
        return results;
    }

    /** The sparse codes of images (they do not depend on any caption). */
    public synchronized List<SparseCode> codes(List<float[]> imageEmbeddings) {
        // The head needs a caption; the code ignores it, so the image embedding stands in.
        HeadSession.Outputs out = run(imageEmbeddings, imageEmbeddings);
        return HeadSession.rows(out.floats("sparse_codes"), imageEmbeddings.size()).stream()
                .map(SparseCode::fromDense).toList();
    }

    /**
     * Captions as queries: each one's query embedding q and dense mask over the dictionary (they
     * do not depend on any image).
     */
    public synchronized List<CaptionQuery> queries(List<float[]> captionEmbeddings) {
        HeadSession.Outputs out = run(captionEmbeddings, captionEmbeddings);
        List<float[]> masks = HeadSession.rows(out.floats("mask"), captionEmbeddings.size());
        List<float[]> queries = queries(out, captionEmbeddings);
        List<CaptionQuery> results = new ArrayList<>(masks.size());
        for (int i = 0; i < masks.size(); i++) {
            results.add(new CaptionQuery(queries.get(i), masks.get(i)));
        }
        return results;
    }

    /** q per caption: the adapter's output, or the caption embeddings themselves without one. */
    private List<float[]> queries(HeadSession.Outputs out, List<float[]> captionEmbeddings) {
        return adapter ? HeadSession.rows(out.floats(BundleManifest.CAPTION_ALIGNED), captionEmbeddings.size())
                : captionEmbeddings;
    }

    private HeadSession.Outputs run(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings) {
        if (imageEmbeddings.size() != captionEmbeddings.size()) {
            throw new IllegalArgumentException("tevi: " + imageEmbeddings.size() + " image embeddings but "
                    + captionEmbeddings.size() + " caption embeddings");
        }
        int batch = imageEmbeddings.size();
        return session.run(
                new HeadSession.Input("image_embedding",
                        HeadSession.concat(session.name(), "image_embedding", imageEmbeddings, embedding), batch, embedding),
                new HeadSession.Input("caption_embedding",
                        HeadSession.concat(session.name(), "caption_embedding", captionEmbeddings, embedding), batch, embedding));
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}

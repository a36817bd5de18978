package io.alignstream.inference;

import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import java.util.List;

/**
 * One task's handle on the model heads. Every method takes a batch and returns one result per
 * input, in order (like DJL's {@code Predictor.batchPredict}); a method may throw for the whole
 * batch, and the caller then isolates the bad item.
 */
public interface InferenceSession extends AutoCloseable {

    /** Raw image embeddings and patch tokens of preprocessed images. */
    List<VisionEmbedding> embedImages(List<float[]> images);

    /** The TEVI sparse autoencoder's codes of image embeddings (caption-independent). */
    List<SparseCode> sparseCodes(List<float[]> imageEmbeddings);

    /** AlignVLM: patch tokens as mixtures of the language model's word embeddings. */
    List<AlignVlmProjection> project(List<float[]> patchTokens);

    /** L2-normalised MiniLM embeddings of caption texts (one per text, no sub-caption rule). */
    List<float[]> embedTexts(List<String> texts);

    /**
     * Caption embeddings as TEVI queries (image-independent): each one's query embedding q (the
     * caption through the bundle's caption adapter, or the caption embedding itself without one)
     * and dense mask over the dictionary (m values in [0, 1]), what
     * {@code TeviRetrievalScorer.query} takes.
     */
    List<CaptionQuery> queries(List<float[]> captionEmbeddings);

    /** TEVI-aligned embeddings of (image, caption) pairs, matched by position. */
    List<TeviAlignment> align(List<float[]> imageEmbeddings, List<float[]> captionEmbeddings);

    /** The faults policy of the models this session came from ({@link InferenceModels#faults()}). */
    ServiceFaults faults();

    /** m, the TEVI dictionary size (sparse code indices are below it). */
    int dictionarySize();

    /**
     * Whether the bundle's TEVI head has a caption adapter: its query embeddings q then differ
     * from the caption embeddings and are published ({@code TeviEmbedding.queryEmbedding}).
     */
    boolean hasCaptionAdapter();

    @Override
    void close();
}

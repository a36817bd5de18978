package io.alignstream.topology;

/** The topology's state stores (their changelog topics are named after them). */
public final class StoreNames {
    /** Inputs waiting for their batch. */
    public static final String INFERENCE_BUFFER = "inference-buffer";
    /** Image embeddings and sparse codes by image id. */
    public static final String IMAGE_EMBEDDINGS = "image-embeddings";
    /** Captions waiting for their image. */
    public static final String PENDING_CAPTIONS = "pending-captions";
    /** Caption text fingerprints of published (image, caption) pairs. */
    public static final String EMITTED_CAPTIONS = "emitted-captions";
    /** {@link #IMAGE_EMBEDDINGS}' keys by image event time, for retention ({@code TimeIndexedStore}). */
    public static final String IMAGE_EMBEDDINGS_BY_TIME = "image-embeddings-by-time";
    /** {@link #EMITTED_CAPTIONS}' keys by caption event time, for retention. */
    public static final String EMITTED_CAPTIONS_BY_TIME = "emitted-captions-by-time";

    private StoreNames() {
    }
}

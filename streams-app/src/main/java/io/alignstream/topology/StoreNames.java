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

    private StoreNames() {
    }
}

package io.alignstream.metrics;

/** The stages of the embedding pipeline that run in batches, as the {@code stage} label names them. */
public enum InferenceStage {
    /** Fetching image bytes referenced by an event. */
    FETCH,
    /** Decoding and preprocessing images into the vision tower's input. */
    PREPROCESS,
    /** The vision tower. */
    VISION,
    /** The AlignVLM connector head. */
    ALIGNVLM,
    /** The text encoder for captions. */
    TEXT,
    /** The TEVI head (sparse autoencoder and caption-conditioned mask). */
    TEVI
}

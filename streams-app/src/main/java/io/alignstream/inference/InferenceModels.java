package io.alignstream.inference;

import io.alignstream.events.ModelRef;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.text.TokenCounter;

/**
 * The models the topology calls: opened once per application instance, shared by its stream
 * tasks. Each task opens its own {@link InferenceSession}, because a model head is not meant
 * for concurrent use (see docs/model-runtime.md) while the underlying ONNX sessions are shared.
 */
public interface InferenceModels extends AutoCloseable {

    /** The bundle's id and version, stamped on every published embedding. */
    ModelRef modelRef();

    /** Decodes and resizes encoded images to the vision tower's input, within the configured limits. */
    ImagePreprocessor preprocessor();

    /** Counts word-piece tokens the way the text encoder does (for splitting long captions). */
    TokenCounter tokenCounter();

    /**
     * The instance's retry budget and image memory budget, shared by all its tasks (one object per
     * instance, which is why it lives with the models every task already shares).
     */
    ServiceFaults faults();

    /** A session for one stream task; closing it releases its heads, not the shared models. */
    InferenceSession openSession();

    @Override
    void close();
}

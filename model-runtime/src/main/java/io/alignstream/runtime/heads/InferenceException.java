package io.alignstream.runtime.heads;

/** ONNX Runtime failed while running a head on a batch. */
public final class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}

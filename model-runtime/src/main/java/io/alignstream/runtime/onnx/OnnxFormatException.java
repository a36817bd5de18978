package io.alignstream.runtime.onnx;

/** An ONNX file that cannot be read: truncated, corrupt, or using a layout we do not read. */
public final class OnnxFormatException extends RuntimeException {
    public OnnxFormatException(String message) {
        super(message);
    }
}

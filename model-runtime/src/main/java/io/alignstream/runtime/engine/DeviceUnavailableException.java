package io.alignstream.runtime.engine;

/** A requested device this host or ONNX Runtime build cannot run; the message says what is missing. */
public final class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }

    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

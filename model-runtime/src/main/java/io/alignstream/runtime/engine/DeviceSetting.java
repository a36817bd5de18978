package io.alignstream.runtime.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The one setting that chooses where the heads run (see docs/gpu.md). */
public enum DeviceSetting {
    /** ONNX Runtime's CPU provider: the default, works on a fresh machine. */
    CPU,
    /** ONNX Runtime's CUDA provider (needs the gpu profile's ONNX Runtime build and an NVIDIA GPU). */
    CUDA,
    /** ONNX Runtime's TensorRT provider with FP16 and engine/timing caches, CUDA as fallback. */
    TENSORRT,
    /** The best of TENSORRT, CUDA, CPU that this host can run; the choice and its reason are logged. */
    AUTO;

    /** Parses "cpu", "cuda", "tensorrt" or "auto" (any case). */
    public static DeviceSetting parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device = \"" + value + "\": expected one of "
                    + Arrays.stream(values()).map(DeviceSetting::toString).collect(Collectors.joining(", ")), e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

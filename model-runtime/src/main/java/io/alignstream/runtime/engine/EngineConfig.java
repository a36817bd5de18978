package io.alignstream.runtime.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run the heads.
 *
 * @param device           cpu (default), cuda, tensorrt or auto
 * @param gpuId            CUDA device ordinal for cuda and tensorrt
 * @param tensorRtCache    directory for TensorRT's engine and timing caches, so engines are built
 *                         once per model, GPU and TensorRT version rather than at every start
 * @param intraOpThreads   ONNX Runtime threads per inference; 0 lets ONNX Runtime choose (its count of
 *                         physical cores, which can be fewer than the cores the JVM has)
 * @param precision        which heads run their int8 files ({@link PrecisionSetting}; default auto)
 */
public record EngineConfig(DeviceSetting device, int gpuId, Path tensorRtCache, int intraOpThreads,
                           PrecisionSetting precision) {

    /** Default TensorRT cache: under the user's cache directory. */
    public static final Path DEFAULT_TENSORRT_CACHE =
            Path.of(System.getProperty("user.home"), ".cache", "alignstream", "tensorrt");

    public EngineConfig {
        if (gpuId < 0) {
            throw new IllegalArgumentException("gpuId = " + gpuId + ": must be 0 or more");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads = " + intraOpThreads + ": must be 0 (automatic) or more");
        }
        Objects.requireNonNull(precision, "precision");
    }

    /** All defaults but the device settings given. */
    public EngineConfig(DeviceSetting device, int gpuId, Path tensorRtCache, int intraOpThreads) {
        this(device, gpuId, tensorRtCache, intraOpThreads, PrecisionSetting.AUTO);
    }

    /** CPU, all defaults (precision auto): what a fresh machine runs. */
    public static EngineConfig defaults() {
        return new EngineConfig(DeviceSetting.CPU, 0, DEFAULT_TENSORRT_CACHE, 0);
    }

    public EngineConfig withDevice(DeviceSetting setting) {
        return new EngineConfig(setting, gpuId, tensorRtCache, intraOpThreads, precision);
    }

    public EngineConfig withTensorRtCache(Path directory) {
        return new EngineConfig(device, gpuId, directory, intraOpThreads, precision);
    }

    public EngineConfig withIntraOpThreads(int threads) {
        return new EngineConfig(device, gpuId, tensorRtCache, threads, precision);
    }

    public EngineConfig withPrecision(PrecisionSetting setting) {
        return new EngineConfig(device, gpuId, tensorRtCache, intraOpThreads, setting);
    }
}

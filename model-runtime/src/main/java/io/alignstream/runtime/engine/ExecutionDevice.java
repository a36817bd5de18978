package io.alignstream.runtime.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.nio.file.Path;

/**
 * The device the heads will run on, as chosen by {@link DeviceSelector}, and how to configure
 * an ONNX Runtime session for it.
 *
 * @param requested the setting asked for (auto included)
 * @param kind      what was chosen: cpu, cuda or tensorrt (never auto)
 * @param reason    why, in words (logged at startup)
 */
public record ExecutionDevice(DeviceSetting requested, DeviceSetting kind, int gpuId, Path tensorRtCache,
                              String reason) {

    public ExecutionDevice {
        if (kind == DeviceSetting.AUTO) {
            throw new IllegalArgumentException("auto is a request, not a device");
        }
    }

    public boolean isGpu() {
        return kind != DeviceSetting.CPU;
    }

    /**
     * New session options for this device; the caller owns and closes them. TensorRT gets FP16
     * and its engine and timing caches in {@link #tensorRtCache()}; CUDA is appended after it so
     * nodes TensorRT cannot take still run on the GPU (ONNX Runtime assigns nodes to providers in
     * the order they were added, the CPU provider last).
     */
    public OrtSession.SessionOptions sessionOptions(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // The service alternates between several sessions (vision, TEVI, AlignVLM, MiniLM)
            // batch after batch; a session whose idle threads spin after its run takes the cores
            // from the next session's run (see docs/performance.md, "Topology end to end").
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            if (kind == DeviceSetting.TENSORRT) {
                try (OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(gpuId)) {
                    String cache = tensorRtCache.toAbsolutePath().toString();
                    trt.add("trt_fp16_enable", "1");
                    trt.add("trt_engine_cache_enable", "1");
                    trt.add("trt_engine_cache_path", cache);
                    trt.add("trt_timing_cache_enable", "1");
                    trt.add("trt_timing_cache_path", cache);
                    options.addTensorrt(trt);   // copied into the native options: closing trt is safe
                }
            }
            if (kind == DeviceSetting.TENSORRT || kind == DeviceSetting.CUDA) {
                try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(gpuId)) {
                    options.addCUDA(cuda);
                }
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return kind + (isGpu() ? ":" + gpuId : "") + " (" + reason + ")";
    }
}

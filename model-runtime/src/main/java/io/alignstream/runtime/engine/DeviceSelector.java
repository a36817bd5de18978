package io.alignstream.runtime.engine;

import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the device setting into a device this host can run, at startup. An explicit cuda or
 * tensorrt that cannot run is an error listing everything missing; auto takes the best that
 * can run (tensorrt, then cuda, then cpu) and logs what it took and why the better ones were
 * passed over.
 */
public final class DeviceSelector {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSelector.class);

    static final String GPU_BUILD = "the GPU build of ONNX Runtime (com.microsoft.onnxruntime:onnxruntime_gpu; "
            + "build with mvn -Pgpu, see docs/gpu.md)";

    private DeviceSelector() {
    }

    /** Chooses for the real host. */
    public static ExecutionDevice select(EngineConfig config) {
        return select(config, HostCapabilities.probe());
    }

    /**
     * Chooses from stated host facts.
     *
     * @throws DeviceUnavailableException when an explicit GPU setting cannot run here
     */
    public static ExecutionDevice select(EngineConfig config, HostCapabilities host) {
        ExecutionDevice device = switch (config.device()) {
            case CPU -> new ExecutionDevice(DeviceSetting.CPU, DeviceSetting.CPU, 0, config.tensorRtCache(),
                    "requested");
            case CUDA, TENSORRT -> {
                List<String> missing = missing(config.device(), config, host);
                if (!missing.isEmpty()) {
                    throw new DeviceUnavailableException("device = " + config.device() + " cannot run on this host "
                            + "(ONNX Runtime " + host.onnxRuntimeVersion() + ", providers " + host.providers()
                            + "): missing " + String.join("; ", missing));
                }
                yield new ExecutionDevice(config.device(), config.device(), config.gpuId(), config.tensorRtCache(),
                        "requested, on " + host.gpus().get(config.gpuId()));
            }
            case AUTO -> auto(config, host);
        };
        if (device.kind() == DeviceSetting.TENSORRT) {
            prepareCache(config);
        }
        LOG.info("inference device: {} (asked for {})", device, config.device());
        return device;
    }

    private static ExecutionDevice auto(EngineConfig config, HostCapabilities host) {
        List<String> passedOver = new ArrayList<>();
        for (DeviceSetting candidate : List.of(DeviceSetting.TENSORRT, DeviceSetting.CUDA)) {
            List<String> missing = missing(candidate, config, host);
            if (missing.isEmpty()) {
                String why = "auto: best available, on " + host.gpus().get(config.gpuId())
                        + (passedOver.isEmpty() ? "" : "; " + String.join("; ", passedOver));
                return new ExecutionDevice(DeviceSetting.AUTO, candidate, config.gpuId(), config.tensorRtCache(), why);
            }
            passedOver.add(candidate + " needs " + String.join(", ", missing));
        }
        return new ExecutionDevice(DeviceSetting.AUTO, DeviceSetting.CPU, 0, config.tensorRtCache(),
                "auto: " + String.join("; ", passedOver));
    }

    /** What the host lacks to run a GPU setting; empty when it can. */
    static List<String> missing(DeviceSetting setting, EngineConfig config, HostCapabilities host) {
        OrtProvider provider = setting == DeviceSetting.TENSORRT ? OrtProvider.TENSOR_RT : OrtProvider.CUDA;
        List<String> missing = new ArrayList<>();
        if (!host.providers().contains(provider)) {
            missing.add(GPU_BUILD + " (the loaded build has no " + provider.getName() + ")");
        }
        if (host.gpus().isEmpty()) {
            missing.add("a CUDA device (no NVIDIA GPU reported by the driver: /proc/driver/nvidia/gpus is empty or absent)");
        } else if (config.gpuId() >= host.gpus().size()) {
            missing.add("CUDA device " + config.gpuId() + " (only " + host.gpus().size() + " GPU(s): " + host.gpus() + ")");
        }
        if (setting == DeviceSetting.TENSORRT && host.tensorRtLibrary().isEmpty()) {
            missing.add("the TensorRT 10 libraries (" + HostCapabilities.TENSORRT_LIBRARY
                    + " not found on LD_LIBRARY_PATH or the system library directories)");
        }
        // The provider is compiled in and a GPU is present, yet it failed to load: its message
        // names the missing CUDA, cuDNN or TensorRT library.
        for (OrtProvider needed : setting == DeviceSetting.TENSORRT
                ? List.of(OrtProvider.TENSOR_RT, OrtProvider.CUDA) : List.of(OrtProvider.CUDA)) {
            String failure = host.providerFailures().get(needed);
            if (failure != null) {
                missing.add("a loadable " + needed.getName() + " (" + failure + ")");
            }
        }
        return missing;
    }

    private static void prepareCache(EngineConfig config) {
        try {
            Files.createDirectories(config.tensorRtCache());
        } catch (IOException e) {
            throw new DeviceUnavailableException("device = tensorrt: cannot create the TensorRT cache directory "
                    + config.tensorRtCache().toAbsolutePath() + ": " + e, e);
        }
        if (!Files.isWritable(config.tensorRtCache())) {
            throw new DeviceUnavailableException("device = tensorrt: the TensorRT cache directory "
                    + config.tensorRtCache().toAbsolutePath() + " is not writable");
        }
    }
}

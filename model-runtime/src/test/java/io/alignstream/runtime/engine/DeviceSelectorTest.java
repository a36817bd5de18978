package io.alignstream.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.onnxruntime.OrtProvider;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device selection, on this machine's real ONNX Runtime (the CPU build, no GPU) and on stated
 * host facts for the GPU hosts this machine cannot be.
 */
class DeviceSelectorTest {

    private static final HostCapabilities THIS_HOST = HostCapabilities.probe();

    @TempDir
    Path temp;

    @Test
    void thisHostHasTheCpuBuildAndNoGpu() {
        assertThat(THIS_HOST.providers()).containsExactly(OrtProvider.CPU);
        assertThat(THIS_HOST.gpus()).isEmpty();
    }

    @Test
    void cpuIsTheDefaultAndLoadsAHead() {
        // given the default config
        EngineConfig config = EngineConfig.defaults();

        // when the engine opens and loads the vision tower
        try (InferenceEngine engine = InferenceEngine.open(config);
             Model vision = engine.load("vision", ModelBundle.loadDefault().headModel(BundleManifest.VISION))) {
            // then it runs on the CPU because that was asked for
            assertThat(engine.device().kind()).isEqualTo(DeviceSetting.CPU);
            assertThat(engine.device().reason()).isEqualTo("requested");
            assertThat(vision.getName()).isEqualTo("vision");
        }
    }

    @Test
    void cudaIsRefusedAtStartupNamingTheGpuBuildAndTheMissingDevice() {
        assertThatThrownBy(() -> DeviceSelector.select(EngineConfig.defaults().withDevice(DeviceSetting.CUDA), THIS_HOST))
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageStartingWith("device = cuda cannot run on this host (ONNX Runtime 1.21.1, providers [CPU]): missing ")
                .hasMessageContaining("the GPU build of ONNX Runtime (com.microsoft.onnxruntime:onnxruntime_gpu; "
                        + "build with mvn -Pgpu, see docs/gpu.md) (the loaded build has no CUDAExecutionProvider)")
                .hasMessageContaining("a CUDA device (no NVIDIA GPU reported by the driver");
    }

    @Test
    void tensorRtIsRefusedAtStartupAlsoNamingTheTensorRtLibraries() {
        assertThatThrownBy(() -> DeviceSelector.select(EngineConfig.defaults().withDevice(DeviceSetting.TENSORRT), THIS_HOST))
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageContaining("the loaded build has no TensorrtExecutionProvider")
                .hasMessageContaining("a CUDA device")
                .hasMessageContaining("the TensorRT 10 libraries (libnvinfer.so.10 not found");
    }

    @Test
    void autoPicksCpuHereAndSaysWhyTheGpuDevicesWerePassedOver() {
        ExecutionDevice device = DeviceSelector.select(EngineConfig.defaults().withDevice(DeviceSetting.AUTO), THIS_HOST);

        assertThat(device.kind()).isEqualTo(DeviceSetting.CPU);
        assertThat(device.requested()).isEqualTo(DeviceSetting.AUTO);
        assertThat(device.reason()).startsWith("auto: tensorrt needs the GPU build of ONNX Runtime")
                .contains("; cuda needs the GPU build of ONNX Runtime");
    }

    @Test
    void autoPicksTensorRtOnAFullyEquippedGpuHostAndPreparesItsCache() {
        // given a host with the GPU build, one GPU and TensorRT's libraries
        HostCapabilities gpuHost = new HostCapabilities("1.29.0", Set.of(OrtProvider.CPU, OrtProvider.CUDA,
                OrtProvider.TENSOR_RT), List.of("NVIDIA H100 (0000:01:00.0)"), Map.of(),
                Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libnvinfer.so.10")));
        Path cache = temp.resolve("trt-cache");

        ExecutionDevice device = DeviceSelector.select(
                EngineConfig.defaults().withDevice(DeviceSetting.AUTO).withTensorRtCache(cache), gpuHost);

        assertThat(device.kind()).isEqualTo(DeviceSetting.TENSORRT);
        assertThat(device.reason()).isEqualTo("auto: best available, on NVIDIA H100 (0000:01:00.0)");
        assertThat(cache).isDirectory();
    }

    @Test
    void autoFallsBackToCudaWithoutTensorRtLibrariesAndSaysSo() {
        HostCapabilities cudaHost = new HostCapabilities("1.29.0", Set.of(OrtProvider.CPU, OrtProvider.CUDA,
                OrtProvider.TENSOR_RT), List.of("NVIDIA L4 (0000:01:00.0)"), Map.of(), Optional.empty());

        ExecutionDevice device = DeviceSelector.select(EngineConfig.defaults().withDevice(DeviceSetting.AUTO), cudaHost);

        assertThat(device.kind()).isEqualTo(DeviceSetting.CUDA);
        assertThat(device.reason()).isEqualTo("auto: best available, on NVIDIA L4 (0000:01:00.0); tensorrt needs "
                + "the TensorRT 10 libraries (libnvinfer.so.10 not found on LD_LIBRARY_PATH or the system library directories)");
    }

    @Test
    void aProviderThatFailsToLoadIsQuotedWithItsOwnMessage() {
        // given the GPU build and a GPU, but CUDA's provider library cannot load cuDNN
        HostCapabilities brokenCuda = new HostCapabilities("1.29.0", Set.of(OrtProvider.CPU, OrtProvider.CUDA),
                List.of("NVIDIA A10 (0000:01:00.0)"),
                Map.of(OrtProvider.CUDA, "libcudnn.so.9: cannot open shared object file"), Optional.empty());

        assertThatThrownBy(() -> DeviceSelector.select(EngineConfig.defaults().withDevice(DeviceSetting.CUDA), brokenCuda))
                .hasMessageEndingWith("missing a loadable CUDAExecutionProvider (libcudnn.so.9: cannot open shared object file)");
    }

    @Test
    void aGpuOrdinalBeyondTheHostsGpusIsRefused() {
        HostCapabilities oneGpu = new HostCapabilities("1.29.0", Set.of(OrtProvider.CPU, OrtProvider.CUDA),
                List.of("NVIDIA A10 (0000:01:00.0)"), Map.of(), Optional.empty());
        EngineConfig second = new EngineConfig(DeviceSetting.CUDA, 1, EngineConfig.DEFAULT_TENSORRT_CACHE, 0);

        assertThatThrownBy(() -> DeviceSelector.select(second, oneGpu))
                .hasMessageEndingWith("missing CUDA device 1 (only 1 GPU(s): [NVIDIA A10 (0000:01:00.0)])");
    }

    @Test
    void tensorRtSessionOptionsReallyAskOnnxRuntimeForTensorRt() {
        // given a tensorrt device forced past selection onto this CPU-only build
        ExecutionDevice forced = new ExecutionDevice(DeviceSetting.TENSORRT, DeviceSetting.TENSORRT, 0,
                temp, "forced by the test");

        // when a head is loaded, then ONNX Runtime itself refuses the TensorRT provider
        try (InferenceEngine engine = new InferenceEngine(forced, 0)) {
            assertThatThrownBy(() -> engine.load("vision", ModelBundle.loadDefault().headModel(BundleManifest.VISION)))
                    .isInstanceOf(DeviceUnavailableException.class)
                    .hasMessageContaining("cannot load vision on tensorrt:0")
                    .hasMessageContaining("Failed to find TensorRT shared provider");
        }
    }

    @Test
    void anUnknownSettingListsTheChoices() {
        assertThatThrownBy(() -> DeviceSetting.parse("gpu"))
                .hasMessage("device = \"gpu\": expected one of cpu, cuda, tensorrt, auto");
        assertThat(DeviceSetting.parse(" TensorRT ")).isEqualTo(DeviceSetting.TENSORRT);
    }
}

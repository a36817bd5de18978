package io.alignstream.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtProvider;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.DeviceUnavailableException;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.HostCapabilities;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening the runtime: the device it ends up on, and the fallback only auto may take. */
class ModelRuntimeTest {

    /** Host facts that claim a full GPU set-up: this CPU-only build will still fail to load it. */
    private static final HostCapabilities CLAIMED_GPU_HOST = new HostCapabilities("1.21.1",
            Set.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT), List.of("NVIDIA T4 (0000:00:04.0)"),
            Map.of(), Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libnvinfer.so.10")));

    @TempDir
    Path cache;

    @Test
    void autoFallsBackToCpuWhenTheChosenGpuDeviceFailsAtStartupAndSaysWhy() {
        // given auto on a host whose probe looked fine but whose TensorRT provider cannot load
        EngineConfig auto = EngineConfig.defaults().withDevice(DeviceSetting.AUTO).withTensorRtCache(cache);

        // when the runtime opens
        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.loadDefault(), auto, CLAIMED_GPU_HOST)) {
            // then it runs on the CPU and its reason names the failure
            assertThat(runtime.device().kind()).isEqualTo(DeviceSetting.CPU);
            assertThat(runtime.device().reason()).startsWith("auto: tensorrt failed at startup: cannot load vision on tensorrt:0")
                    .contains("Failed to find TensorRT shared provider");
        }
    }

    @Test
    void anExplicitGpuDeviceNeverFallsBack() {
        EngineConfig tensorRt = EngineConfig.defaults().withDevice(DeviceSetting.TENSORRT).withTensorRtCache(cache);

        assertThatThrownBy(() -> ModelRuntime.open(ModelBundle.loadDefault(), tensorRt, CLAIMED_GPU_HOST))
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageContaining("Failed to find TensorRT shared provider");
    }

    @Test
    void theDefaultRuntimeIsOnTheCpu() {
        try (ModelRuntime runtime = ModelRuntime.openDefault()) {
            assertThat(runtime.device().kind()).isEqualTo(DeviceSetting.CPU);
            assertThat(runtime.bundle().manifest().modelId()).isEqualTo("alignstream-default");
        }
    }
}

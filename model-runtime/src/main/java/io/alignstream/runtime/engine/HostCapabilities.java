package io.alignstream.runtime.engine;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What this host and the loaded ONNX Runtime build can run, as facts the device choice is
 * made from (and that tests can state directly).
 *
 * @param onnxRuntimeVersion the loaded ONNX Runtime native build's version
 * @param providers          execution providers compiled into that build
 * @param gpus               NVIDIA GPUs the kernel driver reports (empty without driver or GPU)
 * @param providerFailures   for each GPU provider the build has, why appending it to a session
 *                           failed (its shared library or CUDA/cuDNN/TensorRT dependencies not
 *                           loadable); absent when it loads
 * @param tensorRtLibrary    where libnvinfer (TensorRT) was found, if anywhere
 */
public record HostCapabilities(String onnxRuntimeVersion, Set<OrtProvider> providers, List<String> gpus,
                               Map<OrtProvider, String> providerFailures, Optional<Path> tensorRtLibrary) {

    /** TensorRT 10's runtime library, as the GPU build of ONNX Runtime 1.29 loads it. */
    static final String TENSORRT_LIBRARY = "libnvinfer.so.10";
    private static final Path NVIDIA_GPUS = Path.of("/proc/driver/nvidia/gpus");

    public HostCapabilities {
        providers = Set.copyOf(providers);
        gpus = List.copyOf(gpus);
        providerFailures = Map.copyOf(providerFailures);
    }

    /** Probes the real host and the ONNX Runtime build on the classpath. */
    public static HostCapabilities probe() {
        // DJL's engine creates the process-wide OrtEnvironment with its own thread settings and
        // fails if one exists already, so let DJL create it first and share it.
        System.setProperty("ai.djl.offline", "true");
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        Map<OrtProvider, String> failures = new EnumMap<>(OrtProvider.class);
        List<String> gpus = nvidiaGpus();
        // Appending a provider loads its shared library and CUDA/cuDNN/TensorRT: the real test.
        // Only tried with a GPU present, since without one it proves nothing and may be slow.
        if (!gpus.isEmpty()) {
            if (providers.contains(OrtProvider.CUDA)) {
                tryAppend(OrtProvider.CUDA, failures, options -> options.addCUDA(0));
            }
            if (providers.contains(OrtProvider.TENSOR_RT)) {
                tryAppend(OrtProvider.TENSOR_RT, failures, options -> {
                    try (OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(0)) {
                        options.addTensorrt(trt);
                    }
                });
            }
        }
        return new HostCapabilities(env.getVersion(), providers, gpus, failures, findLibrary(TENSORRT_LIBRARY));
    }

    private interface Append {
        void to(OrtSession.SessionOptions options) throws OrtException;
    }

    private static void tryAppend(OrtProvider provider, Map<OrtProvider, String> failures, Append append) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            append.to(options);
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            failures.put(provider, String.valueOf(e.getMessage()));
        }
    }

    /** GPU models from the NVIDIA kernel driver's /proc entries. */
    private static List<String> nvidiaGpus() {
        if (!Files.isDirectory(NVIDIA_GPUS)) {
            return List.of();
        }
        List<String> gpus = new ArrayList<>();
        try (Stream<Path> entries = Files.list(NVIDIA_GPUS)) {
            for (Path gpu : entries.sorted().toList()) {
                String model = Files.readAllLines(gpu.resolve("information")).stream()
                        .filter(line -> line.startsWith("Model:"))
                        .map(line -> line.substring("Model:".length()).trim())
                        .findFirst().orElse("NVIDIA GPU");
                gpus.add(model + " (" + gpu.getFileName() + ")");
            }
        } catch (IOException e) {
            return gpus;
        }
        return gpus;
    }

    /** Looks for a shared library where the dynamic loader would (roughly): LD_LIBRARY_PATH, the usual dirs. */
    static Optional<Path> findLibrary(String fileName) {
        Set<String> directories = new LinkedHashSet<>();
        for (String variable : List.of(
                Optional.ofNullable(System.getenv("LD_LIBRARY_PATH")).orElse(""),
                System.getProperty("java.library.path", ""))) {
            directories.addAll(List.of(variable.split(":")));
        }
        directories.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                "/usr/lib", "/usr/local/lib", "/usr/local/cuda/lib64", "/usr/local/tensorrt/lib",
                "/opt/tensorrt/lib"));
        return directories.stream()
                .filter(d -> !d.isBlank())
                .map(d -> Path.of(d, fileName))
                .filter(Files::exists)
                .findFirst();
    }
}

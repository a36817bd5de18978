package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleLoader;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.BundleSource;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.runtime.heads.GoldenCheck;
import io.alignstream.runtime.imports.Int8Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The int8 path a bundle builder takes (docs/int8.md): quantize.py rewrites heads with the onnx
 * package alone, ONNX Runtime runs what it wrote, {@code model golden} records the int8 outputs,
 * and the bundle then loads and passes its golden check in int8 — with outputs close to fp32's.
 */
class QuantizedBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theQuantizersPythonUnitTestsPass() {
        String output = TrainingPython.run("quantize_test", 120);
        assertThat(output).contains("OK").doesNotContain("FAILED");
    }

    @Test
    void aBundleQuantizedByQuantizePyRunsInOnnxRuntimeCloseToFp32() throws Exception {
        // given a copy of the default bundle with its align and vision heads quantized by quantize.py
        Path bundle = TrainingPython.freshDirectory("quantized-bundle");
        copyDefaultBundle(bundle);
        String log = TrainingPython.run("quantize", 300, "--bundle", bundle.toString(), "--heads", "align,vision");
        assertThat(log).contains("align").contains("vision");

        // when its int8 golden rows are written from ONNX Runtime and it is loaded and checked in int8
        Int8Golden.Written written = Int8Golden.write(bundle);
        // (the default's text head brings its own int8 file, MiniLM's -q artifact)
        assertThat(written.heads()).containsExactlyInAnyOrder(BundleManifest.VISION, BundleManifest.TEXT, BundleManifest.ALIGN);
        ModelBundle loaded = ModelBundle.load(bundle);
        EngineConfig int8 = EngineConfig.defaults().withDevice(DeviceSetting.CPU).withPrecision(PrecisionSetting.INT8);
        try (ModelRuntime runtime = ModelRuntime.open(loaded, int8)) {
            List<GoldenCheck.Result> results = GoldenCheck.run(runtime);

            // then every output passes, the quantized heads against their int8 rows
            results.forEach(r -> assertThat(r.passed()).as("%s.%s %s: %s", r.head(), r.output(), r.precision(),
                    r.agreement()).isTrue());
            assertThat(results).filteredOn(r -> r.precision() == Precision.INT8).extracting(GoldenCheck.Result::head)
                    .containsOnly(BundleManifest.VISION, BundleManifest.TEXT, BundleManifest.ALIGN);
        }
        // and the int8 outputs stay close to PyTorch's fp32 ones: the quantization is sound, not just repeatable
        GoldenOutputs golden = GoldenOutputs.of(loaded);
        for (int i = 0; i < golden.count(); i++) {
            for (String[] output : new String[][] {{"vision", "embedding"}, {"align", "pooled"}}) {
                Agreement fp32 = Agreement.of(golden.output(Precision.INT8, output[0], output[1], i),
                        golden.output(output[0], output[1], i));
                assertThat(fp32.cosine()).as("%s.%s item %d", output[0], output[1], i).isGreaterThan(0.999);
            }
        }
    }

    /** The default bundle's own files (not those referenced from Maven artifacts) into a directory. */
    private static void copyDefaultBundle(Path directory) throws Exception {
        Files.createDirectories(directory);
        try (BundleSource source = BundleSource.defaultBundle()) {
            byte[] manifest = source.read(BundleLoader.MANIFEST, 1 << 20).orElseThrow();
            Files.write(directory.resolve(BundleLoader.MANIFEST), manifest);
            JsonNode files = JSON.readTree(manifest).path("files");
            for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!files.path(name).has("resource")) {
                    Files.write(directory.resolve(name), source.read(name, 1L << 30).orElseThrow());
                }
            }
        }
    }
}

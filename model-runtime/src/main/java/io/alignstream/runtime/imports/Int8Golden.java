package io.alignstream.runtime.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleLoader;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.runtime.heads.GoldenCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the golden outputs of a bundle's int8 heads: each int8 head run by ONNX Runtime on the
 * CPU on golden.json's (fp32) inputs, stored under golden.json's {@code int8} section, and the
 * manifest's checksum of golden.json updated. The int8 files are made by the quantizer
 * (model-runtime/training, quantize.py) and are checked like any bundle file before this runs;
 * the rows let {@code model verify} and every startup-time check hold an int8 file to what it gave
 * when it was made (docs/int8.md).
 */
public final class Int8Golden {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Int8Golden() {
    }

    /** What was written: the int8 heads, and the number of golden items. */
    public record Written(List<String> heads, int items) {
    }

    /**
     * Runs the bundle directory's int8 heads on its golden inputs and stores their outputs.
     *
     * @throws IllegalArgumentException when the bundle has no int8 head or no golden file
     */
    public static Written write(Path bundleDirectory) {
        ModelBundle bundle = ModelBundle.load(bundleDirectory);
        String goldenFile = bundle.manifest().golden();
        if (goldenFile.isEmpty()) {
            throw new IllegalArgumentException(bundle + " has no golden file: train its heads first");
        }
        Map<String, Map<String, List<float[]>>> rows;
        EngineConfig int8 = EngineConfig.defaults().withDevice(DeviceSetting.CPU)
                .withPrecision(PrecisionSetting.INT8);
        try (ModelRuntime runtime = ModelRuntime.open(bundle, int8)) {
            rows = GoldenCheck.int8Outputs(runtime);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(bundle + " has no int8 head (heads.<head>.int8): quantize it first");
        }
        try {
            ObjectNode golden = (ObjectNode) JSON.readTree(bundle.golden());
            ObjectNode section = golden.putObject(GoldenOutputs.INT8);
            rows.forEach((head, outputs) -> {
                ObjectNode headNode = section.putObject(head);
                outputs.forEach((output, items) -> {
                    ArrayNode array = headNode.putArray(output);
                    for (float[] item : items) {
                        ArrayNode row = array.addArray();
                        for (float v : item) {
                            row.add(v);
                        }
                    }
                });
            });
            byte[] goldenBytes = JSON.writeValueAsBytes(golden);
            Files.write(bundleDirectory.resolve(goldenFile), goldenBytes);
            Path manifestPath = bundleDirectory.resolve(BundleLoader.MANIFEST);
            ObjectNode manifest = (ObjectNode) JSON.readTree(manifestPath.toFile());
            JsonNode entry = manifest.path("files").path(goldenFile);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(BundleLoader.MANIFEST + ": files." + goldenFile + " is missing");
            }
            ((ObjectNode) entry).put("sha256", ClipImport.sha256(goldenBytes));
            ((ObjectNode) entry).put("bytes", goldenBytes.length);
            JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(manifestPath.toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the int8 golden outputs to " + bundleDirectory + ": " + e.getMessage(), e);
        }
        return new Written(List.copyOf(rows.keySet()), GoldenOutputs.of(bundle).count());
    }
}

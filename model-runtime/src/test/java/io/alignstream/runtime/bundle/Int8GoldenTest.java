package io.alignstream.runtime.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.runtime.heads.GoldenCheck;
import io.alignstream.runtime.imports.Int8Golden;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle's int8 heads against golden rows of their own: written by {@link Int8Golden} from what
 * ONNX Runtime gives on the golden inputs, checked by {@link GoldenCheck} whenever a head runs int8.
 */
class Int8GoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private static EngineConfig cpu(PrecisionSetting precision) {
        return EngineConfig.defaults().withDevice(DeviceSetting.CPU).withPrecision(precision);
    }

    /** The copy's golden.json without its int8 section, re-listed. */
    private static BundleCopy withoutInt8Rows(BundleCopy copy) throws Exception {
        ObjectNode golden = (ObjectNode) JSON.readTree(copy.read("golden.json"));
        golden.remove(GoldenOutputs.INT8);
        return copy.write("golden.json", JSON.writeValueAsBytes(golden)).relist("golden.json");
    }

    @Test
    void theDefaultBundlesInt8RowsAreWhatItsInt8HeadsGiveHere() throws Exception {
        // given the default bundle with its int8 rows removed, then written again on this machine
        BundleCopy copy = withoutInt8Rows(BundleCopy.ofDefault(temp));
        assertThat(Int8Golden.write(copy.directory).heads()).containsExactly(BundleManifest.TEXT, BundleManifest.ALIGN);

        // then they agree with the rows the default carries (written on the machine that built it)
        GoldenOutputs shipped = GoldenOutputs.of(ModelBundle.loadDefault());
        GoldenOutputs rewritten = GoldenOutputs.of(ModelBundle.load(copy.directory));
        for (String[] output : new String[][] {{"text", "embedding"}, {"align", "pooled"}, {"align", "projected_tokens"}}) {
            for (int i = 0; i < shipped.count(); i++) {
                assertThat(Agreement.of(rewritten.output(Precision.INT8, output[0], output[1], i),
                        shipped.output(Precision.INT8, output[0], output[1], i)).withinInt8Parity())
                        .as("%s.%s item %d", output[0], output[1], i).isTrue();
            }
        }
    }

    @Test
    void writtenInt8RowsAreWhatTheInt8HeadGivesAndWhatItIsCheckedAgainst() throws Exception {
        // given a bundle whose text head has an int8 file, and its int8 golden rows written
        BundleCopy copy = withoutInt8Rows(BundleCopy.ofDefault(temp).withInt8TextHead());
        Int8Golden.Written written = Int8Golden.write(copy.directory);
        assertThat(written.heads()).contains(BundleManifest.TEXT);

        // when the bundle (its golden.json checksum updated) is loaded and run in int8
        ModelBundle bundle = ModelBundle.load(copy.directory);
        try (ModelRuntime runtime = ModelRuntime.open(bundle, cpu(PrecisionSetting.INT8))) {
            assertThat(runtime.precisions()).containsEntry(BundleManifest.TEXT, Precision.INT8)
                    .containsEntry(BundleManifest.VISION, Precision.FP32);
            List<GoldenCheck.Result> results = GoldenCheck.run(runtime);

            // then every output passes, the text head against its int8 rows
            results.forEach(r -> assertThat(r.passed()).as("%s.%s %s: %s", r.head(), r.output(), r.precision(),
                    r.agreement()).isTrue());
            assertThat(results).filteredOn(r -> r.head().equals(BundleManifest.TEXT))
                    .singleElement().extracting(GoldenCheck.Result::precision).isEqualTo(Precision.INT8);
        }
        // and the rows record the int8 file they came from
        GoldenOutputs golden = GoldenOutputs.of(bundle);
        assertThat(golden.int8File(BundleManifest.TEXT)).contains(bundle.manifest().files().get(BundleCopy.INT8_TEXT).sha256());
        // and the int8 rows are not the fp32 caption embeddings: int8 changes the numbers
        Agreement againstFp32 = Agreement.of(golden.output(Precision.INT8, "text", "embedding", 0), golden.captionEmbedding(0));
        assertThat(againstFp32.withinParity()).isFalse();
        assertThat(againstFp32.cosine()).isGreaterThan(0.9);
    }

    @Test
    void anInt8HeadWithoutInt8RowsIsRefusedNamingTheRowsAndTheCommand() throws Exception {
        // given an int8 text head but a golden.json without int8 rows
        BundleCopy copy = withoutInt8Rows(BundleCopy.ofDefault(temp).withInt8TextHead());

        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.load(copy.directory), cpu(PrecisionSetting.INT8))) {
            assertThatThrownBy(() -> GoldenCheck.run(runtime)).isInstanceOfSatisfying(InvalidBundleException.class,
                    e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p)
                            .contains("int8.text.embedding is missing").contains("alignstream model golden")));
        }
    }

    @Test
    void anInt8FileThatDoesNotComputeItsHeadGetsNoGoldenRows() throws Exception {
        // given the connector's int8 file replaced by its fp32 file with 4 KB of its weights scrambled (listed
        // again, so it loads): the same tensors, but not the head's numbers
        BundleCopy copy = withoutInt8Rows(BundleCopy.ofDefault(temp));
        byte[] swapped = copy.read("align.onnx");
        for (int i = swapped.length / 2; i < swapped.length / 2 + 4096; i++) {
            swapped[i] = (byte) (swapped[i] ^ 0x55);
        }
        copy.write("align.int8.onnx", swapped).relist("align.int8.onnx");

        // when its int8 golden rows are written, then model golden refuses, naming the output
        assertThatThrownBy(() -> Int8Golden.write(copy.directory)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("align.").hasMessageContaining("does not compute this head");
    }

    @Test
    void rowsWrittenFromAnotherInt8FileAreRefusedUntilWrittenAgain() throws Exception {
        // given the default bundle, whose int8 rows record the connector's int8 file they came from
        BundleCopy copy = BundleCopy.ofDefault(temp);
        String connector = ModelBundle.loadDefault().manifest().head(BundleManifest.ALIGN).file(Precision.INT8);
        assertThat(GoldenOutputs.of(ModelBundle.loadDefault()).int8File(BundleManifest.ALIGN))
                .contains(ModelBundle.loadDefault().manifest().files().get(connector).sha256());

        // when that file is replaced by another that computes the same numbers (the model's doc_string set:
        // ONNX ModelProto field 6, appended), listed again so that it loads
        byte[] file = copy.read(connector);
        byte[] note = "re-quantized".getBytes(StandardCharsets.US_ASCII);
        byte[] changed = Arrays.copyOf(file, file.length + 2 + note.length);
        changed[file.length] = (6 << 3) | 2;    // field 6, length-delimited
        changed[file.length + 1] = (byte) note.length;
        System.arraycopy(note, 0, changed, file.length + 2, note.length);
        copy.write(connector, changed).relist(connector);

        // then the int8 check refuses the rows, naming the file and the command that writes them again
        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.load(copy.directory), cpu(PrecisionSetting.INT8))) {
            assertThatThrownBy(() -> GoldenCheck.run(runtime)).isInstanceOfSatisfying(InvalidBundleException.class,
                    e -> assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p)
                            .contains("align head's int8 rows were written from another file")
                            .contains(connector).contains("alignstream model golden")));
        }
        // and once they are written again, every output passes
        Int8Golden.write(copy.directory);
        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.load(copy.directory), cpu(PrecisionSetting.INT8))) {
            GoldenCheck.run(runtime).forEach(r -> assertThat(r.passed()).as("%s.%s %s: %s", r.head(), r.output(),
                    r.precision(), r.agreement()).isTrue());
        }
    }

    @Test
    void anInt8RowThatDisagreesFails() throws Exception {
        // given the int8 rows written, then one item's row replaced by another item's
        BundleCopy copy = BundleCopy.ofDefault(temp).withInt8TextHead();
        ObjectNode golden = (ObjectNode) JSON.readTree(copy.read("golden.json"));
        ArrayNode rows = (ArrayNode) golden.path(GoldenOutputs.INT8).path("text").path("embedding");
        rows.set(0, rows.get(1).deepCopy());
        copy.write("golden.json", JSON.writeValueAsBytes(golden)).relist("golden.json");

        // when checked in int8, then the text head fails
        try (ModelRuntime runtime = ModelRuntime.open(ModelBundle.load(copy.directory), cpu(PrecisionSetting.INT8))) {
            assertThat(GoldenCheck.run(runtime)).filteredOn(r -> r.head().equals(BundleManifest.TEXT))
                    .singleElement().satisfies(r -> assertThat(r.passed()).isFalse());
        }
    }
}

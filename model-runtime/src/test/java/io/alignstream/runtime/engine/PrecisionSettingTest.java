package io.alignstream.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** alignstream.model.precision: how its text reads, and what it chooses per head. */
class PrecisionSettingTest {

    /** The default bundle's manifest with an int8 file declared for its text head only. */
    private static BundleManifest int8Text;

    @BeforeAll
    static void manifest() {
        int8Text = withInt8(ModelBundle.loadDefault().manifest(), BundleManifest.TEXT, true);
    }

    /** {@code m} with exactly one int8 file, for {@code head}, {@code auto} as given. */
    private static BundleManifest withInt8(BundleManifest m, String head, boolean auto) {
        Map<String, BundleManifest.Head> heads = new LinkedHashMap<>();
        m.heads().forEach((name, h) -> heads.put(name, new BundleManifest.Head(h.file(), h.inputs(), h.outputs(),
                h.macsPerItem(), h.roles(), h.normalise(), h.text(), name.equals(head)
                ? Optional.of(new BundleManifest.Variant(name + ".int8.onnx", OptionalLong.empty(), auto))
                : Optional.empty())));
        return new BundleManifest(m.format(), m.modelId(), m.version(), m.dims(), m.preprocessing(), heads,
                m.onnxOpset(), m.golden(), m.worldSeed(), m.files());
    }

    @Test
    void autoRunsInt8OnTheCpuWhereTheBundleHasIt() {
        assertThat(PrecisionSetting.parse("auto").resolve(int8Text, false)).containsExactly(
                Map.entry("vision", Precision.FP32), Map.entry("text", Precision.INT8),
                Map.entry("tevi", Precision.FP32), Map.entry("align", Precision.FP32));
    }

    @Test
    void autoLeavesAnInt8FileMarkedNotAutoInFp32ButInt8RunsIt() {
        // given the text head's int8 file marked "auto": false (its measured cost beyond the bound)
        BundleManifest optIn = withInt8(int8Text, BundleManifest.TEXT, false);

        assertThat(PrecisionSetting.AUTO.resolve(optIn, false)).containsEntry("text", Precision.FP32);
        assertThat(PrecisionSetting.INT8.resolve(optIn, false)).containsEntry("text", Precision.INT8);
        assertThat(PrecisionSetting.parse("text=int8").resolve(optIn, false)).containsEntry("text", Precision.INT8);
    }

    @Test
    void theDefaultBundleRunsItsConnectorInInt8AndItsTextHeadInFp32UnlessAsked() {
        BundleManifest shipped = ModelBundle.loadDefault().manifest();

        assertThat(PrecisionSetting.AUTO.resolve(shipped, false)).containsExactly(
                Map.entry("vision", Precision.FP32), Map.entry("text", Precision.FP32),
                Map.entry("tevi", Precision.FP32), Map.entry("align", Precision.INT8));
        assertThat(PrecisionSetting.INT8.resolve(shipped, false)).containsEntry("text", Precision.INT8);
    }

    @Test
    void autoRunsFp32OnAGpu() {
        assertThat(PrecisionSetting.AUTO.resolve(int8Text, true).values()).containsOnly(Precision.FP32);
    }

    @Test
    void fp32RunsEveryHeadInFp32AndInt8OnlyThoseWithAnInt8File() {
        assertThat(PrecisionSetting.parse("FP32").resolve(int8Text, false).values()).containsOnly(Precision.FP32);
        assertThat(PrecisionSetting.parse("int8").resolve(int8Text, true))
                .containsEntry("text", Precision.INT8).containsEntry("align", Precision.FP32);
    }

    @Test
    void aHeadNamedAfterTheDefaultOverridesIt() {
        assertThat(PrecisionSetting.parse("int8, text=fp32").resolve(int8Text, false).values()).containsOnly(Precision.FP32);
        assertThat(PrecisionSetting.parse("text=int8").resolve(int8Text, true)).containsEntry("text", Precision.INT8);
    }

    @Test
    void int8NamedForAHeadWithoutAnInt8FileIsRefused() {
        assertThatThrownBy(() -> PrecisionSetting.parse("align=int8").resolve(int8Text, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("align=int8").hasMessageContaining("has no int8 file for its align head");
    }

    @Test
    void malformedSettingsAreRefusedSayingWhy() {
        assertThatThrownBy(() -> PrecisionSetting.parse("int4")).hasMessageContaining("\"int4\" is not auto, fp32, int8");
        assertThatThrownBy(() -> PrecisionSetting.parse("int8,fp32")).hasMessageContaining("more than one default");
        assertThatThrownBy(() -> PrecisionSetting.parse("decoder=int8")).hasMessageContaining("\"decoder\" is not a head");
        assertThatThrownBy(() -> PrecisionSetting.parse("text=int8,text=fp32")).hasMessageContaining("text is named twice");
        assertThatThrownBy(() -> PrecisionSetting.parse("text=bf16")).hasMessageContaining("expected one of fp32, int8");
    }

    @Test
    void itsTextReadsBackAsTheSameSetting() {
        PrecisionSetting setting = PrecisionSetting.parse("int8,vision=fp32");
        assertThat(PrecisionSetting.parse(setting.toString())).isEqualTo(setting);
        assertThat(PrecisionSetting.parse("text=int8").fallback()).isEqualTo(PrecisionSetting.Choice.AUTO);
    }
}

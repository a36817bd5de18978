package io.alignstream.runtime.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A precision's names: as typed, as people read a runtime's heads, as output records carry it. */
class PrecisionTest {

    private static Map<String, Precision> mixed() {
        Map<String, Precision> heads = new LinkedHashMap<>();
        heads.put("vision", Precision.FP32);
        heads.put("text", Precision.INT8);
        heads.put("tevi", Precision.FP32);
        heads.put("align", Precision.INT8);
        return heads;
    }

    @Test
    void recordsCarryOneWordWhenEveryHeadRanInOnePrecision() {
        assertThat(Precision.label(Map.of("vision", Precision.FP32, "text", Precision.FP32))).isEqualTo("fp32");
    }

    @Test
    void recordsCarryEachHeadInLoadOrderWhenTheyDiffer() {
        assertThat(Precision.label(mixed())).isEqualTo("vision=fp32,text=int8,tevi=fp32,align=int8");
        assertThat(Precision.describe(mixed())).isEqualTo("vision fp32, text int8, tevi fp32, align int8");
    }

    @Test
    void itParsesInAnyCaseAndNamesTheChoicesWhenItCannot() {
        assertThat(Precision.parse(" INT8 ")).isEqualTo(Precision.INT8);
        assertThatThrownBy(() -> Precision.parse("fp16")).hasMessageContaining("expected one of fp32, int8");
    }
}

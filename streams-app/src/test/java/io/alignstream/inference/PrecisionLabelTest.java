package io.alignstream.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.runtime.bundle.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ModelRef.precision: one word when every head ran in one precision, each head's otherwise. */
class PrecisionLabelTest {

    @Test
    void oneWordWhenEveryHeadRanInOnePrecision() {
        assertThat(RuntimeInferenceModels.precisionLabel(Map.of("vision", Precision.FP32, "text", Precision.FP32)))
                .isEqualTo("fp32");
    }

    @Test
    void eachHeadInLoadOrderWhenTheyDiffer() {
        Map<String, Precision> mixed = new LinkedHashMap<>();
        mixed.put("vision", Precision.FP32);
        mixed.put("text", Precision.INT8);
        mixed.put("tevi", Precision.FP32);
        mixed.put("align", Precision.INT8);
        assertThat(RuntimeInferenceModels.precisionLabel(mixed)).isEqualTo("vision=fp32,text=int8,tevi=fp32,align=int8");
    }
}

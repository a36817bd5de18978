package io.alignstream.bench.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.Precision;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A head's share of the matrix-multiply rate is taken against the probe of the precision it runs in. */
class HeadShareTest {
    private static final RuntimeBenchmark.ProbeRate FLOAT = new RuntimeBenchmark.ProbeRate(Precision.FP32, 100, null);
    private static final RuntimeBenchmark.ProbeRate INT8 = new RuntimeBenchmark.ProbeRate(Precision.INT8, 400, null);

    @Test
    void anFp32HeadIsMeasuredAgainstTheFloatRate() {
        // given a head of 10 M multiply-accumulates per item running fp32 at 2000 items/s
        BundleManifest.Head head = head(OptionalLong.of(10_000_000), Optional.empty());

        // when its share of a 100 GFLOP/s float rate is computed
        RuntimeBenchmark.HeadShare share = RuntimeBenchmark.HeadShare.of(head, Precision.FP32, 2000, FLOAT);

        // then it did 2 x 10 M x 2000 = 40 G operations per second: 40% of the float rate
        assertThat(share.gigaOps()).isCloseTo(40, within(1e-9));
        assertThat(share.share()).isCloseTo(0.40, within(1e-9));
        assertThat(share.row("vision", 64)).isEqualTo("| vision | fp32 | 10.0 | 2000.0 | 64 | 40.00 | **40%** |");
    }

    @Test
    void anInt8HeadCountsItsOwnMacsAgainstTheInt8Rate() {
        // given a head whose int8 file declares 8 M multiply-accumulates (its fp32 file 10 M)
        BundleManifest.Head head = head(OptionalLong.of(10_000_000),
                Optional.of(new BundleManifest.Variant("h.int8.onnx", OptionalLong.of(8_000_000))));

        // when it runs int8 at 5000 items/s against a 400 GOP/s int8 rate
        RuntimeBenchmark.HeadShare share = RuntimeBenchmark.HeadShare.of(head, Precision.INT8, 5000, INT8);

        // then 2 x 8 M x 5000 = 80 G operations per second: 20% of the int8 rate
        assertThat(share.macsPerItem()).hasValue(8_000_000);
        assertThat(share.share()).isCloseTo(0.20, within(1e-9));
    }

    @Test
    void anInt8HeadWithoutItsOwnCountTakesTheFp32HeadsCount() {
        // given an int8 file that declares no multiply-accumulates of its own
        BundleManifest.Head head = head(OptionalLong.of(10_000_000),
                Optional.of(new BundleManifest.Variant("h.int8.onnx", OptionalLong.empty())));

        // when its share is computed, then the fp32 head's 10 M is used
        assertThat(RuntimeBenchmark.HeadShare.of(head, Precision.INT8, 5000, INT8).macsPerItem()).hasValue(10_000_000);
    }

    @Test
    void aHeadWithoutACountSaysNotComputed() {
        // given a head whose manifest gives no macs_per_item at all
        BundleManifest.Head head = head(OptionalLong.empty(), Optional.empty());

        // when it is reported, then the share is "not computed", not a number
        String row = RuntimeBenchmark.HeadShare.of(head, Precision.FP32, 300, FLOAT).row("text", 64);
        assertThat(row).contains("not computed").doesNotContain("%");
    }

    private static BundleManifest.Head head(OptionalLong macs, Optional<BundleManifest.Variant> int8) {
        return new BundleManifest.Head("h.onnx", Map.of(), Map.of(), macs, Map.of(), false, Optional.empty(), int8);
    }
}

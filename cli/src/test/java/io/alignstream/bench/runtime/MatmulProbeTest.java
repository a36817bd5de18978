package io.alignstream.bench.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.bundle.Precision;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The probes are a real MatMul and a real MatMulInteger in ONNX Runtime: their products agree
 * with a plain Java product, and both measure a rate.
 */
class MatmulProbeTest {

    @Test
    void theProbeMultipliesLikeTheTextbook() {
        // given two random matrices of odd sizes (seeded), 5x7 times 7x3
        int m = 5;
        int k = 7;
        int n = 3;
        SplittableRandom random = new SplittableRandom(3);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble(-1, 1);
        }

        // when ONNX Runtime multiplies them through the probe
        float[] c;
        try (MatmulProbe probe = new MatmulProbe(Map.of())) {
            c = probe.multiply(a, b, m, k, n);
        }

        // then every entry matches the definition of the product
        assertThat(c).hasSize(m * n);
        for (int row = 0; row < m; row++) {
            for (int col = 0; col < n; col++) {
                double expected = 0;
                for (int i = 0; i < k; i++) {
                    expected += a[row * k + i] * b[i * n + col];
                }
                assertThat((double) c[row * n + col]).isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void theInt8ProbeMultipliesUnsignedActivationsBySignedWeightsIntoInt32() {
        // given a 2x3 matrix of uint8 activations, with values above 127 that a signed byte
        // would read as negative
        byte[] a = bytes(
                200, 1, 255,
                0, 128, 7);
        // and a 3x2 matrix of int8 weights, negative ones included
        byte[] b = bytes(
                -128, 3,
                127, -1,
                -2, 100);

        // when ONNX Runtime multiplies them with MatMulInteger through the int8 probe
        int[] c;
        try (MatmulProbe probe = new MatmulProbe(Precision.INT8, Map.of())) {
            c = probe.multiplyInteger(a, b, 2, 3, 2);
        }

        // then the int32 product is the one worked out by hand, activations read as 0..255:
        // row 0: 200*-128 + 1*127 + 255*-2 = -25600 + 127 - 510 = -25983
        //        200*3    + 1*-1  + 255*100 = 600 - 1 + 25500   =  26099
        // row 1: 0*-128 + 128*127 + 7*-2  = 16256 - 14 = 16242
        //        0*3    + 128*-1  + 7*100 = -128 + 700 =   572
        assertThat(c).containsExactly(-25983, 26099, 16242, 572);
    }

    @Test
    void bothProbesMeasureAPositiveRate() {
        // given the float and the int8 probe
        try (MatmulProbe fp32 = new MatmulProbe(Precision.FP32, Map.of());
             MatmulProbe int8 = new MatmulProbe(Precision.INT8, Map.of())) {
            // when each multiplies 64x64 matrices for a moment
            double floatRate = fp32.measureGigaOps(64, 0.05);
            double intRate = int8.measureGigaOps(64, 0.05);

            // then each reports a positive, finite rate in operations (2 m n k) per second
            assertThat(floatRate).isPositive().isFinite();
            assertThat(intRate).isPositive().isFinite();
        }
    }

    @Test
    void aProbeRefusesTheOtherPrecisionsProduct() {
        // given the float probe, when asked for an integer product, then it says it cannot
        try (MatmulProbe fp32 = new MatmulProbe(Precision.FP32, Map.of())) {
            assertThatThrownBy(() -> fp32.multiplyInteger(new byte[1], new byte[1], 1, 1, 1))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("fp32 probe");
        }
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}

package io.alignstream.bench.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The probe is a real MatMul in ONNX Runtime: its products agree with a plain Java product. */
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
}

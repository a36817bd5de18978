package io.alignstream.bench.precision;

import io.alignstream.runtime.bundle.Agreement;
import java.util.Arrays;

/**
 * One agreement value per item (a cosine, or a share of top ids), summarised as mean, 1st
 * percentile and minimum: the mean says how much int8 moves a typical item, the tail whether a
 * few items move far.
 */
final class ItemCosines {

    private double[] values = new double[256];
    private int count;

    void add(double value) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = value;
    }

    /** Adds the cosine of two vectors; identical vectors give exactly 1 (not 1 - rounding). */
    void addCosine(float[] int8, float[] fp32) {
        add(cosine(int8, fp32));
    }

    /** Agreement's cosine; two identical vectors give exactly 1, whatever rounding says. */
    static double cosine(float[] a, float[] b) {
        if (Arrays.equals(a, b)) {
            return 1;
        }
        double cosine = Agreement.of(a, b).cosine();
        return Double.isNaN(cosine) ? 0 : cosine;    // one zero vector: nothing in common
    }

    /** The share of {@code int8}'s ids that {@code fp32}'s ids hold too (order ignored). */
    static double sharedShare(long[] int8, long[] fp32) {
        if (int8.length == 0) {
            return 1;
        }
        long shared = Arrays.stream(int8).filter(id -> Arrays.stream(fp32).anyMatch(other -> other == id)).count();
        return (double) shared / int8.length;
    }

    int count() {
        return count;
    }

    double mean() {
        return Arrays.stream(values, 0, count).average().orElse(Double.NaN);
    }

    /** The nearest-rank 1st percentile: the ceil(n / 100)-th smallest value. */
    double firstPercentile() {
        if (count == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(count / 100.0) - 1)];
    }

    double min() {
        return Arrays.stream(values, 0, count).min().orElse(Double.NaN);
    }
}

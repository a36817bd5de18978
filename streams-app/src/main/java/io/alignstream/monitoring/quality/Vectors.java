package io.alignstream.monitoring.quality;

import java.util.List;
import java.util.Random;

/** Small dense-vector helpers, in double. */
final class Vectors {
    private Vectors() {
    }

    /** v / ||v||; the zero vector stays zero (its cosine with anything is then 0). */
    static double[] normalised(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        double[] out = new double[v.length];
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i] / norm;
            }
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
        }
        if (i < a.length) {
            s0 += a[i] * b[i];
        }
        return s0 + s1;
    }

    static double squaredDistance(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            double d0 = a[i] - b[i];
            double d1 = a[i + 1] - b[i + 1];
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        if (i < a.length) {
            double d0 = a[i] - b[i];
            s0 += d0 * d0;
        }
        return s0 + s1;
    }

    /** The mean of equally long vectors (at least one). */
    static double[] centroid(List<double[]> vectors) {
        double[] c = new double[vectors.get(0).length];
        for (double[] v : vectors) {
            for (int i = 0; i < c.length; i++) {
                c[i] += v[i];
            }
        }
        for (int i = 0; i < c.length; i++) {
            c[i] /= vectors.size();
        }
        return c;
    }

    static double distance(double[] a, double[] b) {
        return Math.sqrt(squaredDistance(a, b));
    }

    /** At most {@code limit} of {@code vectors}, a uniform subsample without replacement by {@code seed}. */
    static List<double[]> subsample(List<double[]> vectors, int limit, long seed) {
        if (vectors.size() <= limit) {
            return List.copyOf(vectors);
        }
        int[] order = new int[vectors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = 0; i < limit; i++) {      // partial Fisher-Yates
            int j = i + random.nextInt(order.length - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[][] out = new double[limit][];
        for (int i = 0; i < limit; i++) {
            out[i] = vectors.get(order[i]);
        }
        return List.of(out);
    }
}

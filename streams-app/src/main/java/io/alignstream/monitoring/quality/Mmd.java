package io.alignstream.monitoring.quality;

import java.util.Arrays;
import java.util.List;

/**
 * The unbiased estimator of the squared maximum mean discrepancy (Gretton et al., JMLR 2012,
 * eq. 3) between two samples X (n) and Y (p), with a Gaussian kernel
 * k(a, b) = exp(-||a - b||^2 / (2 sigma^2)) and sigma the median pairwise distance of the pooled
 * sample (the median heuristic):
 * <pre>
 *   MMD^2_u = 1/(n(n-1)) sum_{i != j} k(x_i, x_j) + 1/(p(p-1)) sum_{i != j} k(y_i, y_j)
 *             - 2/(n p) sum_{i, j} k(x_i, y_j)
 * </pre>
 * Unbiased, so it can be slightly negative when both samples come from one distribution.
 * Cost: (n + p)^2 / 2 distances of length d, and a sort of as many numbers.
 */
final class Mmd {
    private Mmd() {
    }

    /** MMD^2 and the bandwidth sigma used. */
    record Result(double mmd2, double bandwidth) {
    }

    static Result unbiased(List<double[]> x, List<double[]> y) {
        int n = x.size();
        int p = y.size();
        if (n < 2 || p < 2) {
            throw new IllegalArgumentException("MMD^2 needs at least 2 embeddings per side, got " + n + " and " + p);
        }
        int total = n + p;
        double[][] pooled = new double[total][];
        for (int i = 0; i < n; i++) {
            pooled[i] = x.get(i);
        }
        for (int j = 0; j < p; j++) {
            pooled[n + j] = y.get(j);
        }
        double[] squared = new double[total * (total - 1) / 2];
        int at = 0;
        for (int i = 0; i < total; i++) {
            for (int j = i + 1; j < total; j++) {
                squared[at++] = Vectors.squaredDistance(pooled[i], pooled[j]);
            }
        }
        double[] sorted = squared.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        double medianSquared = sorted.length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
        // Median of squared distances = square of the median distance (monotone), up to the
        // even-count average. All points identical: any sigma gives k = 1 everywhere; take 1.
        double sigmaSquared = medianSquared > 0 ? medianSquared : 1.0;
        double gamma = 1.0 / (2 * sigmaSquared);
        double xx = 0;
        double yy = 0;
        double xy = 0;
        at = 0;
        for (int i = 0; i < total; i++) {
            for (int j = i + 1; j < total; j++) {
                double k = Math.exp(-gamma * squared[at++]);
                if (j < n) {
                    xx += k;             // both in X (i < j < n)
                } else if (i >= n) {
                    yy += k;             // both in Y
                } else {
                    xy += k;             // i in X, j in Y
                }
            }
        }
        // xx and yy hold each unordered pair once: the i != j sums are twice that.
        double mmd2 = 2 * xx / ((double) n * (n - 1)) + 2 * yy / ((double) p * (p - 1)) - 2 * xy / ((double) n * p);
        return new Result(mmd2, Math.sqrt(sigmaSquared));
    }
}

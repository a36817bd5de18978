package io.alignstream.monitoring.quality;

import io.alignstream.runtime.heads.SparseCode;
import java.util.List;

/**
 * TEVI by its definition, densely, for hand-built cases: x_tevi = W (z * mask) + b, score =
 * cos(x_tevi, q), q the caption's query embedding. With W the identity and b = 0, an image's code is its embedding and a mask
 * keeps the coordinates it names.
 */
final class DenseTevi implements TeviScoring {
    /** W, d rows of m values. */
    private final double[][] decoder;
    private final double[] bias;

    DenseTevi(double[][] decoder, double[] bias) {
        this.decoder = decoder;
        this.bias = bias;
    }

    static DenseTevi identity(int d) {
        double[][] w = new double[d][d];
        for (int i = 0; i < d; i++) {
            w[i][i] = 1;
        }
        return new DenseTevi(w, new double[d]);
    }

    @Override
    public double[] scores(float[] captionQuery, float[] captionMask, List<SparseCode> imageCodes) {
        return imageCodes.stream().mapToDouble(code -> cosine(aligned(code, captionMask), captionQuery)).toArray();
    }

    double[] aligned(SparseCode code, float[] mask) {
        double[] x = bias.clone();
        for (int a = 0; a < code.size(); a++) {
            int latent = code.indices()[a];
            double v = code.values()[a] * mask[latent];
            for (int r = 0; r < x.length; r++) {
                x[r] += decoder[r][latent] * v;
            }
        }
        return x;
    }

    private static double cosine(double[] x, float[] t) {
        double xt = 0;
        double xx = 0;
        double tt = 0;
        for (int i = 0; i < x.length; i++) {
            xt += x[i] * t[i];
            xx += x[i] * x[i];
            tt += (double) t[i] * t[i];
        }
        return xx == 0 || tt == 0 ? 0 : xt / Math.sqrt(xx * tt);
    }
}

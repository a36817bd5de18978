package io.alignstream.runtime.bundle;

/**
 * How closely two output vectors agree: the two numbers issue 4's parity criterion uses
 * (cosine >= {@link #MIN_COSINE} and max |diff| <= {@link #MAX_ABS_DIFF}).
 */
public record Agreement(double cosine, double maxAbsDiff) {

    public static final double MIN_COSINE = 0.9999;
    public static final double MAX_ABS_DIFF = 1e-3;
    /**
     * An int8 head against its own golden int8 outputs: cosine only. ONNX Runtime's int8 kernels
     * differ between instruction sets (VNNI or not) and activations are quantized per batch, so a
     * few quantization steps may move; a wrong or corrupt file is far below this.
     */
    public static final double INT8_MIN_COSINE = 0.999;

    public static Agreement of(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("length " + actual.length + " != " + expected.length);
        }
        double dot = 0;
        double aa = 0;
        double ee = 0;
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            dot += (double) actual[i] * expected[i];
            aa += (double) actual[i] * actual[i];
            ee += (double) expected[i] * expected[i];
            max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
        }
        double cosine = aa == 0 && ee == 0 ? 1 : dot / Math.sqrt(aa * ee);
        return new Agreement(cosine, max);
    }

    /** The worse of two agreements, for a per-output summary over items. */
    public Agreement worst(Agreement other) {
        return new Agreement(Math.min(cosine, other.cosine), Math.max(maxAbsDiff, other.maxAbsDiff));
    }

    public boolean withinParity() {
        return cosine >= MIN_COSINE && maxAbsDiff <= MAX_ABS_DIFF;
    }

    public boolean withinInt8Parity() {
        return cosine >= INT8_MIN_COSINE;
    }

    @Override
    public String toString() {
        return String.format("cosine %.7f, max |diff| %.2e", cosine, maxAbsDiff);
    }
}

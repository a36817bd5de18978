package io.alignstream.runtime.image;

import java.awt.Rectangle;

/**
 * Takes a source image of any size to the target size: centre-crop to the target's aspect ratio
 * (what CLIP-family preprocessing does: resize the short side, then centre-crop), then resize
 * each axis on its own, by area averaging where the axis shrinks and bilinear interpolation
 * (pixel centres aligned, edges clamped) where it grows. Results are rounded to whole 0..255
 * values, like an 8-bit resized image. A source already at the target size is copied unchanged.
 *
 * <p>The crop window may start mid-pixel (a 101 x 64 source cropped to 64 x 64 keeps columns
 * 18.5 to 82.5); only the whole pixels it touches, {@link #region()}, need decoding.
 *
 * <p>Immutable and thread-safe; {@link #resample} allocates only row-sized buffers and one
 * accumulator of the target's size.
 */
final class Resampler {

    private static final double EPSILON = 1e-9;

    private final int targetWidth;
    private final int targetHeight;
    private final Rectangle region;
    private final boolean passThrough;
    /** Per target column: source columns (relative to the region) and weights. */
    private final Weights columns;
    /** Per source row of the region: the target rows it feeds and with which weight. */
    private final Weights rowsBySource;

    private Resampler(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight) {
        this.targetWidth = targetWidth;
        this.targetHeight = targetHeight;
        double windowX = 0;
        double windowY = 0;
        double windowWidth = sourceWidth;
        double windowHeight = sourceHeight;
        long wide = (long) sourceWidth * targetHeight;
        long tall = (long) sourceHeight * targetWidth;
        if (wide > tall) {
            windowWidth = (double) sourceHeight * targetWidth / targetHeight;
            windowX = (sourceWidth - windowWidth) / 2;
        } else if (tall > wide) {
            windowHeight = (double) sourceWidth * targetHeight / targetWidth;
            windowY = (sourceHeight - windowHeight) / 2;
        }
        int x0 = (int) Math.floor(windowX + EPSILON);
        int y0 = (int) Math.floor(windowY + EPSILON);
        int x1 = Math.min(sourceWidth, (int) Math.ceil(windowX + windowWidth - EPSILON));
        int y1 = Math.min(sourceHeight, (int) Math.ceil(windowY + windowHeight - EPSILON));
        this.region = new Rectangle(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
        this.passThrough = sourceWidth == targetWidth && sourceHeight == targetHeight;
        this.columns = axis(windowX - x0, windowWidth, region.width, targetWidth);
        this.rowsBySource = axis(windowY - y0, windowHeight, region.height, targetHeight).inverted(region.height);
    }

    static Resampler plan(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight) {
        if (sourceWidth < 1 || sourceHeight < 1 || targetWidth < 1 || targetHeight < 1) {
            throw new IllegalArgumentException("sizes must be positive: source " + sourceWidth + "x"
                    + sourceHeight + ", target " + targetWidth + "x" + targetHeight);
        }
        return new Resampler(sourceWidth, sourceHeight, targetWidth, targetHeight);
    }

    /** The part of the source to decode; the rows given to {@link #resample} are this region's. */
    Rectangle region() {
        return new Rectangle(region);
    }

    boolean passThrough() {
        return passThrough;
    }

    /** Writes target height x width x 3 values (HWC, RGB, 0..255) at {@code offset}. */
    void resample(RgbRows rows, float[] destination, int offset) {
        if (rows.width() != region.width || rows.height() != region.height) {
            throw new IllegalArgumentException("rows are " + rows.width() + "x" + rows.height()
                    + ", the plan expects " + region.width + "x" + region.height);
        }
        int[] rgb = new int[region.width * 3];
        if (passThrough) {
            int rowLength = targetWidth * 3;
            for (int y = 0; y < targetHeight; y++) {
                rows.read(y, rgb);
                int base = offset + y * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    destination[base + i] = rgb[i];
                }
            }
            return;
        }
        int rowLength = targetWidth * 3;
        double[] accumulator = new double[targetHeight * rowLength];
        double[] resizedRow = new double[rowLength];
        for (int y = 0; y < region.height; y++) {
            int first = rowsBySource.first[y];
            int end = rowsBySource.first[y + 1];
            if (first == end) {
                continue;
            }
            rows.read(y, rgb);
            resizeRow(rgb, resizedRow);
            for (int e = first; e < end; e++) {
                int base = rowsBySource.index[e] * rowLength;
                double weight = rowsBySource.weight[e];
                for (int i = 0; i < rowLength; i++) {
                    accumulator[base + i] += weight * resizedRow[i];
                }
            }
        }
        for (int i = 0; i < accumulator.length; i++) {
            destination[offset + i] = Math.max(0, Math.min(255, Math.round(accumulator[i])));
        }
    }

    private void resizeRow(int[] rgb, double[] out) {
        for (int x = 0; x < targetWidth; x++) {
            double r = 0;
            double g = 0;
            double b = 0;
            for (int e = columns.first[x]; e < columns.first[x + 1]; e++) {
                int s = columns.index[e] * 3;
                double w = columns.weight[e];
                r += w * rgb[s];
                g += w * rgb[s + 1];
                b += w * rgb[s + 2];
            }
            out[x * 3] = r;
            out[x * 3 + 1] = g;
            out[x * 3 + 2] = b;
        }
    }

    /**
     * Weights for one axis: target pixel i reads the window [start + i*s, start + (i+1)*s) of the
     * region, s = windowSize / target.
     */
    private static Weights axis(double start, double windowSize, int regionSize, int target) {
        double scale = windowSize / target;
        Weights.Builder weights = new Weights.Builder(target);
        for (int i = 0; i < target; i++) {
            if (scale >= 1 - EPSILON) {
                areaAverage(weights, start + i * scale, start + (i + 1) * scale, regionSize);
            } else {
                bilinear(weights, start + (i + 0.5) * scale - 0.5, regionSize);
            }
            weights.endTarget();
        }
        return weights.build();
    }

    private static void areaAverage(Weights.Builder weights, double from, double to, int regionSize) {
        int first = Math.max(0, (int) Math.floor(from + EPSILON));
        int last = Math.min(regionSize - 1, (int) Math.ceil(to - EPSILON) - 1);
        double total = 0;
        for (int k = first; k <= last; k++) {
            total += Math.max(0, Math.min(to, k + 1) - Math.max(from, k));
        }
        for (int k = first; k <= last; k++) {
            double overlap = Math.max(0, Math.min(to, k + 1) - Math.max(from, k));
            if (overlap > EPSILON) {
                weights.add(k, overlap / total);
            }
        }
    }

    private static void bilinear(Weights.Builder weights, double centre, int regionSize) {
        double x = Math.max(0, Math.min(regionSize - 1, centre));
        int left = (int) Math.floor(x);
        double fraction = x - left;
        if (fraction < EPSILON || left + 1 >= regionSize) {
            weights.add(left, 1.0);
        } else {
            weights.add(left, 1 - fraction);
            weights.add(left + 1, fraction);
        }
    }

    /** Sparse weights in compressed rows: entries first[i] until first[i+1] belong to i. */
    private static final class Weights {
        final int[] first;
        final int[] index;
        final double[] weight;

        Weights(int[] first, int[] index, double[] weight) {
            this.first = first;
            this.index = index;
            this.weight = weight;
        }

        /** The same weights listed by source index: for each source, (target, weight). */
        Weights inverted(int sources) {
            int[] count = new int[sources + 1];
            for (int e = 0; e < index.length; e++) {
                count[index[e] + 1]++;
            }
            for (int s = 0; s < sources; s++) {
                count[s + 1] += count[s];
            }
            int[] cursor = count.clone();
            int[] targets = new int[index.length];
            double[] weights = new double[index.length];
            for (int t = 0; t + 1 < first.length; t++) {
                for (int e = first[t]; e < first[t + 1]; e++) {
                    int slot = cursor[index[e]]++;
                    targets[slot] = t;
                    weights[slot] = weight[e];
                }
            }
            return new Weights(count, targets, weights);
        }

        static final class Builder {
            private final int[] first;
            private int[] index = new int[16];
            private double[] weight = new double[16];
            private int size;
            private int targets;

            Builder(int targetCount) {
                this.first = new int[targetCount + 1];
            }

            void add(int source, double w) {
                if (size == index.length) {
                    index = java.util.Arrays.copyOf(index, size * 2);
                    weight = java.util.Arrays.copyOf(weight, size * 2);
                }
                index[size] = source;
                weight[size] = w;
                size++;
            }

            void endTarget() {
                first[++targets] = size;
            }

            Weights build() {
                return new Weights(first, java.util.Arrays.copyOf(index, size), java.util.Arrays.copyOf(weight, size));
            }
        }
    }
}

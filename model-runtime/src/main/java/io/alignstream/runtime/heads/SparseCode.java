package io.alignstream.runtime.heads;

import java.util.Arrays;

/**
 * A TEVI sparse code z: the active dictionary latents of an image, ascending by index, with
 * their (positive) activations. Depends on the image only, so it can be indexed once per image.
 */
public record SparseCode(int[] indices, float[] values) {

    public SparseCode {
        if (indices.length != values.length) {
            throw new IllegalArgumentException(indices.length + " indices but " + values.length + " values");
        }
    }

    /** The non-zero entries of a dense code row, ascending by index. */
    public static SparseCode fromDense(float[] dense) {
        int count = 0;
        for (float v : dense) {
            if (v != 0f) {
                count++;
            }
        }
        int[] indices = new int[count];
        float[] values = new float[count];
        int j = 0;
        for (int i = 0; i < dense.length; i++) {
            if (dense[i] != 0f) {
                indices[j] = i;
                values[j++] = dense[i];
            }
        }
        return new SparseCode(indices, values);
    }

    public int size() {
        return indices.length;
    }

    /** The dense code of a dictionary of {@code latents} entries. */
    public float[] toDense(int latents) {
        float[] dense = new float[latents];
        for (int i = 0; i < indices.length; i++) {
            dense[indices[i]] = values[i];
        }
        return dense;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SparseCode code && Arrays.equals(indices, code.indices)
                && Arrays.equals(values, code.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(indices) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "SparseCode" + Arrays.toString(indices);
    }
}

package io.alignstream.runtime.heads;

/**
 * The vision tower's output for one image.
 *
 * @param embedding   the L2-normalised image embedding, dims.embedding long
 * @param patchTokens layer-normalised patch tokens, dims.patch_tokens x dims.patch_dim row-major
 *                    (token t = grid cell (t / side, t % side))
 * @param tokens      number of patch tokens
 * @param patchDim    width of one patch token
 */
public record VisionEmbedding(float[] embedding, float[] patchTokens, int tokens, int patchDim) {

    /** A copy of one patch token. */
    public float[] patchToken(int token) {
        float[] out = new float[patchDim];
        System.arraycopy(patchTokens, token * patchDim, out, 0, patchDim);
        return out;
    }
}

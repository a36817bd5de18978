package io.alignstream.runtime.heads;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision tower (the bundle's vision head; the default's {@code vision_model.onnx}):
 * preprocessed images to embeddings and patch tokens.
 *
 * <p>Threading: one instance wraps one DJL predictor, which is not thread-safe. Use it from one
 * thread at a time (methods are synchronized, so accidental sharing serialises instead of
 * corrupting); for parallel inference take one instance per thread from the same
 * {@link io.alignstream.runtime.ModelRuntime}, which shares the thread-safe ONNX Runtime session.
 */
public final class VisionTower implements AutoCloseable {

    private final HeadSession session;
    private final BundleManifest.Head head;
    private final BundleManifest.Preprocessing preprocessing;
    private final int imageSize;
    private final int tokens;
    private final int patchDim;

    /** A tower over the bundle's loaded vision model (the model stays owned by the caller). */
    public VisionTower(Model model, BundleManifest manifest) {
        this.head = manifest.head(BundleManifest.VISION);
        this.session = new HeadSession(BundleManifest.VISION, model, head);
        this.preprocessing = manifest.preprocessing();
        this.imageSize = preprocessing.imageSize();
        this.tokens = manifest.dims().patchTokens();
        this.patchDim = manifest.dims().patchDim();
    }

    /** Values per image: imageSize x imageSize x 3. */
    public int imageValues() {
        return imageSize * imageSize * 3;
    }

    /**
     * Embeds a batch of images.
     *
     * @param images each image as HWC RGB floats holding 0..255 byte values, as
     *               {@link io.alignstream.runtime.image.ImagePreprocessor} makes them; the
     *               manifest's rescale, mean, std and layout are applied here
     * @return one result per image, in order
     */
    public synchronized List<VisionEmbedding> embed(List<float[]> images) {
        float[] batch = HeadSession.concat(session.name(), "image", images, imageValues());
        HeadSession.Outputs out = session.run(new HeadSession.Input(head.tensor("image"), modelInput(batch),
                preprocessing.channelsFirst()
                        ? new long[] {images.size(), 3, imageSize, imageSize}
                        : new long[] {images.size(), imageSize, imageSize, 3}));
        List<float[]> embeddings = HeadSession.rows(out.floats(head.tensor("embedding")), images.size());
        if (head.normalise()) {
            embeddings.forEach(HeadSession::normaliseInPlace);
        }
        List<float[]> patches = HeadSession.rows(out.floats(head.tensor("patch_tokens")), images.size());
        List<VisionEmbedding> results = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            results.add(new VisionEmbedding(embeddings.get(i), patches.get(i), tokens, patchDim));
        }
        return results;
    }

    /**
     * The batch as the model takes it: each value rescaled and standardised per channel, moved
     * to channels-first when the model wants that. Format-1 towers standardise in the graph and
     * declare the identity (rescale 1, mean 0, std 1, NHWC): the batch is then passed as is.
     */
    private float[] modelInput(float[] hwc) {
        float rescale = preprocessing.rescale();
        float[] mean = {preprocessing.mean().get(0), preprocessing.mean().get(1), preprocessing.mean().get(2)};
        float[] std = {preprocessing.std().get(0), preprocessing.std().get(1), preprocessing.std().get(2)};
        boolean identity = rescale == 1f && mean[0] == 0f && mean[1] == 0f && mean[2] == 0f
                && std[0] == 1f && std[1] == 1f && std[2] == 1f;
        if (identity && !preprocessing.channelsFirst()) {
            return hwc;
        }
        int pixels = imageSize * imageSize;
        float[] out = new float[hwc.length];
        for (int image = 0; image < hwc.length / (pixels * 3); image++) {
            int base = image * pixels * 3;
            for (int p = 0; p < pixels; p++) {
                for (int c = 0; c < 3; c++) {
                    float value = (hwc[base + p * 3 + c] * rescale - mean[c]) / std[c];
                    out[preprocessing.channelsFirst() ? base + c * pixels + p : base + p * 3 + c] = value;
                }
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}

package io.alignstream.runtime.heads;

import ai.djl.Model;
import io.alignstream.runtime.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision tower ({@code vision.onnx}): preprocessed images to embeddings and patch tokens.
 *
 * <p>Threading: one instance wraps one DJL predictor, which is not thread-safe. Use it from one
 * thread at a time (methods are synchronized, so accidental sharing serialises instead of
 * corrupting); for parallel inference take one instance per thread from the same
 * {@link io.alignstream.runtime.ModelRuntime}, which shares the thread-safe ONNX Runtime session.
 */
public final class VisionTower implements AutoCloseable {

    private final HeadSession session;
    private final int imageSize;
    private final int tokens;
    private final int patchDim;

    /** A tower over the bundle's loaded vision model (the model stays owned by the caller). */
    public VisionTower(Model model, BundleManifest manifest) {
        this.session = new HeadSession(BundleManifest.VISION, model, manifest.head(BundleManifest.VISION));
        this.imageSize = manifest.preprocessing().imageSize();
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
     * @param images each image as NHWC RGB floats holding 0..255 byte values (the manifest's
     *               preprocessing; normalisation happens inside the graph)
     * @return one result per image, in order
     */
    public synchronized List<VisionEmbedding> embed(List<float[]> images) {
        float[] batch = HeadSession.concat(session.name(), "image", images, imageValues());
        HeadSession.Outputs out = session.run(
                new HeadSession.Input("image", batch, images.size(), imageSize, imageSize, 3));
        List<float[]> embeddings = HeadSession.rows(out.floats("embedding"), images.size());
        List<float[]> patches = HeadSession.rows(out.floats("patch_tokens"), images.size());
        List<VisionEmbedding> results = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            results.add(new VisionEmbedding(embeddings.get(i), patches.get(i), tokens, patchDim));
        }
        return results;
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}

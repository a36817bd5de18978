package io.alignstream.runtime.bundle;

import io.alignstream.runtime.onnx.Initializer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the runtime feeds each head and reads back, by role, with shapes derived from the
 * manifest's dims: the contract a bundle's heads must declare (docs/model-bundle.md, "ONNX
 * heads"; docs/bundle-format-2.md for roles). A head's {@code roles} map these roles to the
 * file's own tensor names.
 */
final class HeadContract {

    static final String INPUTS = "inputs";
    static final String OUTPUTS = "outputs";

    private HeadContract() {
    }

    /** head -> ("inputs" | "outputs") -> role -> expected tensor, in declaration order. */
    static Map<String, Map<String, Map<String, Tensor>>> expected(BundleManifest m) {
        BundleManifest.Dims d = m.dims();
        Dim batch = new Dim("batch", "batch");
        Dim sequence = new Dim("sequence", "sequence");
        Dim embedding = new Dim(d.embedding(), "dims.embedding");
        Dim words = d.wordEmbedding() > 0 ? new Dim(d.wordEmbedding(), "dims.word_embedding") : embedding;
        Dim tokens = new Dim(d.patchTokens(), "dims.patch_tokens");
        Dim patchDim = new Dim(d.patchDim(), "dims.patch_dim");
        Dim latents = new Dim(d.saeLatents(), "dims.sae_latents");
        Dim top = new Dim(d.alignTop(), "dims.align_top");
        Dim side = new Dim(m.preprocessing().imageSize(), "preprocessing.image_size");
        Dim rgb = new Dim(3, "preprocessing.channels");
        Map<String, Map<String, Map<String, Tensor>>> heads = new LinkedHashMap<>();
        heads.put(BundleManifest.VISION, Map.of(
                INPUTS, ordered("image", m.preprocessing().channelsFirst()
                        ? floats(batch, rgb, side, side) : floats(batch, side, side, rgb)),
                OUTPUTS, ordered("embedding", floats(batch, embedding),
                        "patch_tokens", floats(batch, tokens, patchDim))));
        BundleManifest.Head text = m.head(BundleManifest.TEXT);
        boolean pooled = text == null || text.text().map(t -> t.pooling() == BundleManifest.Pooling.NONE).orElse(true);
        heads.put(BundleManifest.TEXT, Map.of(
                INPUTS, ordered("input_ids", ids(true, batch, sequence),
                        "attention_mask", ids(false, batch, sequence),
                        "token_type_ids", ids(false, batch, sequence)),
                OUTPUTS, ordered("embedding", pooled ? floats(batch, embedding) : floats(batch, sequence, embedding))));
        heads.put(BundleManifest.TEVI, Map.of(
                INPUTS, ordered("image_embedding", floats(batch, embedding),
                        "caption_embedding", floats(batch, embedding)),
                OUTPUTS, ordered("aligned_embedding", floats(batch, embedding),
                        "sparse_codes", floats(batch, latents),
                        "mask", floats(batch, latents),
                        // only a bundle trained with a caption adapter has it
                        BundleManifest.CAPTION_ALIGNED, optional(floats(batch, embedding)))));
        heads.put(BundleManifest.ALIGN, Map.of(
                INPUTS, ordered("patch_tokens", floats(batch, tokens, patchDim)),
                OUTPUTS, ordered("projected_tokens", floats(batch, tokens, words),
                        "pooled", floats(batch, words),
                        "top_ids", new Tensor(List.of(batch, top), Initializer.INT64, true),
                        "top_weights", floats(batch, top))));
        return heads;
    }

    private static Tensor floats(Dim... dims) {
        return new Tensor(List.of(dims), Initializer.FLOAT, true);
    }

    private static Tensor optional(Tensor tensor) {
        return new Tensor(tensor.dims(), tensor.elementType(), false);
    }

    private static Tensor ids(boolean required, Dim... dims) {
        return new Tensor(List.of(dims), Initializer.INT64, required);
    }

    private static Map<String, Tensor> ordered(Object... nameThenTensor) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < nameThenTensor.length; i += 2) {
            out.put((String) nameThenTensor[i], (Tensor) nameThenTensor[i + 1]);
        }
        return out;
    }

    /** An expected tensor: its dimensions, ONNX element type, and whether a head must have it. */
    record Tensor(List<Dim> dims, int elementType, boolean required) {
        /** The shape as the manifest writes it: Integers, "batch" and "sequence". */
        List<Object> values() {
            return dims.stream().map(Dim::value).toList();
        }

        /** Which fields the shape follows from, e.g. "batch, dims.sae_latents". */
        String sources() {
            return dims.stream().map(Dim::source).collect(Collectors.joining(", "));
        }
    }

    /** One expected dimension and the manifest field it comes from. */
    record Dim(Object value, String source) {
    }
}

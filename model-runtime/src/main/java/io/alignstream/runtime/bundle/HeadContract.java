package io.alignstream.runtime.bundle;

import io.alignstream.runtime.onnx.Initializer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the runtime feeds each head and reads back, with shapes derived from the manifest's
 * dims: the contract a bundle's heads must declare (docs/model-bundle.md, "ONNX heads").
 */
final class HeadContract {

    private HeadContract() {
    }

    /** head -> ("inputs" | "outputs") -> tensor name -> expected tensor, in declaration order. */
    static Map<String, Map<String, Map<String, Tensor>>> expected(BundleManifest m) {
        BundleManifest.Dims d = m.dims();
        Dim batch = new Dim("batch", "batch");
        Dim embedding = new Dim(d.embedding(), "dims.embedding");
        Dim tokens = new Dim(d.patchTokens(), "dims.patch_tokens");
        Dim patchDim = new Dim(d.patchDim(), "dims.patch_dim");
        Dim latents = new Dim(d.saeLatents(), "dims.sae_latents");
        Dim top = new Dim(d.alignTop(), "dims.align_top");
        Dim side = new Dim(m.preprocessing().imageSize(), "preprocessing.image_size");
        Dim rgb = new Dim(3, "preprocessing.channels");
        Map<String, Map<String, Map<String, Tensor>>> heads = new LinkedHashMap<>();
        heads.put(BundleManifest.VISION, Map.of(
                "inputs", ordered("image", floats(batch, side, side, rgb)),
                "outputs", ordered("embedding", floats(batch, embedding),
                        "patch_tokens", floats(batch, tokens, patchDim))));
        heads.put(BundleManifest.TEVI, Map.of(
                "inputs", ordered("image_embedding", floats(batch, embedding),
                        "caption_embedding", floats(batch, embedding)),
                "outputs", ordered("aligned_embedding", floats(batch, embedding),
                        "sparse_codes", floats(batch, latents),
                        "mask", floats(batch, latents))));
        heads.put(BundleManifest.ALIGN, Map.of(
                "inputs", ordered("patch_tokens", floats(batch, tokens, patchDim)),
                "outputs", ordered("projected_tokens", floats(batch, tokens, embedding),
                        "pooled", floats(batch, embedding),
                        "top_ids", new Tensor(List.of(batch, top), Initializer.INT64),
                        "top_weights", floats(batch, top))));
        return heads;
    }

    private static Tensor floats(Dim... dims) {
        return new Tensor(List.of(dims), Initializer.FLOAT);
    }

    private static Map<String, Tensor> ordered(Object... nameThenTensor) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < nameThenTensor.length; i += 2) {
            out.put((String) nameThenTensor[i], (Tensor) nameThenTensor[i + 1]);
        }
        return out;
    }

    /** An expected tensor: its dimensions and ONNX element type. */
    record Tensor(List<Dim> dims, int elementType) {
        /** The shape as the manifest writes it: Integers and "batch". */
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

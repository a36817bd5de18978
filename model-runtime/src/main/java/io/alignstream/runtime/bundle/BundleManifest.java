package io.alignstream.runtime.bundle;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A bundle's {@code manifest.json}, typed (docs/model-bundle.md describes every field). Built
 * by {@link ManifestReader}, which reports missing or mistyped fields by their JSON path.
 * {@code worldSeed} is {@code world.seed}: the synthetic world the bundle was trained on.
 */
public record BundleManifest(
        String modelId,
        String version,
        Dims dims,
        Preprocessing preprocessing,
        TextEncoder textEncoder,
        Map<String, Head> heads,
        int onnxOpset,
        String golden,
        long worldSeed,
        Map<String, FileEntry> files) {

    /** Head names every bundle must have. */
    public static final String VISION = "vision";
    public static final String TEVI = "tevi";
    public static final String ALIGN = "align";
    public static final List<String> HEADS = List.of(VISION, TEVI, ALIGN);

    public BundleManifest {
        heads = Map.copyOf(heads);
        files = Map.copyOf(files);
    }

    public Head head(String name) {
        return heads.get(name);
    }

    /** The sizes every head and the text encoder must agree on. */
    public record Dims(int embedding, int patchTokens, int patchDim, int saeLatents, int saeK,
                       int alignVocabulary, int alignTop, int textVocabulary) {
    }

    /** The vision tower's input: square RGB images of {@code imageSize} pixels, NHWC float32. */
    public record Preprocessing(int imageSize, String layout, String channels, String dtype) {
    }

    /** The pretrained text encoder the bundle was trained against (not in the bundle). */
    public record TextEncoder(String name, String mavenCoordinates, String modelResource,
                              String tokenizerResource, String modelSha256, String tokenizerSha256,
                              int maxLength) {
    }

    /**
     * One ONNX head: its file and the shapes of its inputs and outputs, in declaration order;
     * each dimension is an Integer or the String {@code "batch"} (dynamic). {@code macsPerItem}
     * (optional, {@code macs_per_item}) is the exporter's count of multiply-accumulates per batch
     * item, from which the benchmark computes the FLOP/s a head reaches.
     */
    public record Head(String file, Map<String, List<Object>> inputs, Map<String, List<Object>> outputs,
                       OptionalLong macsPerItem) {
    }

    /** A bundle file's expected size and SHA-256 (lower-case hex). */
    public record FileEntry(String sha256, long bytes) {
    }
}

package io.alignstream.runtime.bundle;

import io.alignstream.runtime.onnx.OnnxGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model bundle that passed every startup check ({@link BundleLoader}): its manifest, the
 * verified bytes of its files, the parsed graphs of its heads and the text head's vocabulary.
 * Files referenced from a Maven artifact (docs/bundle-format-2.md) are verified at load and read
 * again from the classpath when asked for, so a 90 MB text head is not held twice.
 * Immutable and thread-safe.
 */
public final class ModelBundle {

    private final String location;
    private final BundleManifest manifest;
    private final Map<String, byte[]> files;
    private final Map<String, BundleManifest.FileEntry> referenced;
    private final Map<String, OnnxGraph> graphs;
    private final TokenizerVocabulary vocabulary;

    ModelBundle(String location, BundleManifest manifest, Map<String, byte[]> files,
                Map<String, BundleManifest.FileEntry> referenced, Map<String, OnnxGraph> graphs,
                TokenizerVocabulary vocabulary) {
        this.location = location;
        this.manifest = manifest;
        this.files = Map.copyOf(files);
        this.referenced = Map.copyOf(referenced);
        this.graphs = Map.copyOf(graphs);
        this.vocabulary = vocabulary;
    }

    /** The default bundle shipped on model-runtime's classpath. */
    public static ModelBundle loadDefault() {
        return BundleLoader.load(BundleSource.defaultBundle());
    }

    /** A bundle directory or a zip of one. */
    public static ModelBundle load(Path directoryOrZip) {
        return BundleLoader.load(BundleSource.open(directoryOrZip));
    }

    /** Where it was read from. */
    public String location() {
        return location;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public BundleManifest.Dims dims() {
        return manifest.dims();
    }

    /** The fp32 ONNX file of a head ({@link BundleManifest#HEADS}), checksum-verified. */
    public byte[] headModel(String head) {
        return headModel(head, Precision.FP32);
    }

    /** A head's ONNX file in a precision it has, checksum-verified. */
    public byte[] headModel(String head, Precision precision) {
        BundleManifest.Head declared = manifest.head(head);
        if (declared == null) {
            throw new IllegalArgumentException("no head " + head + " in " + location);
        }
        return file(declared.file(precision));
    }

    /** The parsed graph of a head: declared inputs, outputs and initializers. */
    public OnnxGraph graph(String head) {
        OnnxGraph graph = graphs.get(head);
        if (graph == null) {
            return OnnxGraph.parse(headModel(head));    // a referenced head, not kept in memory
        }
        return graph;
    }

    /** The text head's tokenizer.json, checksum-verified. */
    public byte[] tokenizer() {
        return file(manifest.head(BundleManifest.TEXT).text().orElseThrow().tokenizer());
    }

    /** The golden outputs file's bytes (for parity checks). */
    public byte[] golden() {
        return file(manifest.golden());
    }

    /** A copy of a bundle file's verified bytes. */
    public byte[] file(String name) {
        BundleManifest.FileEntry reference = referenced.get(name);
        if (reference != null) {
            try {
                return BundleLoader.readResource(reference);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        byte[] bytes = files.get(name);
        if (bytes == null) {
            throw new IllegalArgumentException("no file " + name + " in " + location);
        }
        return bytes.clone();
    }

    /** The text head tokenizer's vocabulary (names AlignVLM's top words). */
    public TokenizerVocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public String toString() {
        return manifest.modelId() + " " + manifest.version() + " from " + location;
    }
}

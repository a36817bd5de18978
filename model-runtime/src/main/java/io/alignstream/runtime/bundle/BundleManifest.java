package io.alignstream.runtime.bundle;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A bundle's {@code manifest.json}, typed (docs/model-bundle.md and docs/bundle-format-2.md
 * describe every field). Built by {@link ManifestReader}, which reports missing or mistyped
 * fields by their JSON path and reads a format-1 manifest as format 2 (its {@code text_encoder}
 * becomes a {@code text} head referenced from the MiniLM artifact). {@code worldSeed} is
 * {@code world.seed}, the synthetic world a bundle was trained on, 0 when it names none.
 */
public record BundleManifest(
        int format,
        String modelId,
        String version,
        Dims dims,
        Preprocessing preprocessing,
        Map<String, Head> heads,
        int onnxOpset,
        String golden,
        long worldSeed,
        Map<String, FileEntry> files) {

    /** Head names. */
    public static final String VISION = "vision";
    public static final String TEXT = "text";
    public static final String TEVI = "tevi";
    public static final String ALIGN = "align";
    /** Every head a served bundle has, in the order they load. */
    public static final List<String> HEADS = List.of(VISION, TEXT, TEVI, ALIGN);
    /** The encoders a user imports: a bundle of these alone can embed data, not be served. */
    public static final List<String> ENCODERS = List.of(VISION, TEXT);
    /**
     * The TEVI head's optional output: the caption embedding through the bundle's caption adapter,
     * q = normalise(t + MLP(t)), which the mask is computed from and the aligned embedding is
     * aligned to (docs/bundle-format-2.md). Without it, q is the caption embedding t itself.
     */
    public static final String CAPTION_ALIGNED = "caption_aligned";

    public BundleManifest {
        heads = Map.copyOf(heads);
        files = Map.copyOf(files);
    }

    public Head head(String name) {
        return heads.get(name);
    }

    /** The sha256 listed for a head's file in a precision it has (every listed file has one, checked at load). */
    public String sha256(String head, Precision precision) {
        return files.get(head(head).file(precision)).sha256();
    }

    /** Whether the TEVI head declares {@link #CAPTION_ALIGNED}: it has a caption adapter. */
    public boolean hasCaptionAdapter() {
        Head tevi = head(TEVI);
        return tevi != null && tevi.outputs().containsKey(CAPTION_ALIGNED);
    }

    /** Whether every head of {@link #HEADS} is present, as serving needs. */
    public boolean servable() {
        return heads.keySet().containsAll(HEADS);
    }

    /**
     * The sizes every head agrees on. {@code wordEmbedding} is the width of the text head's
     * word-embedding rows, AlignVLM's output width; 0 in the manifest means {@code embedding}.
     */
    public record Dims(int embedding, int patchTokens, int patchDim, int saeLatents, int saeK,
                       int alignVocabulary, int alignTop, int textVocabulary, int wordEmbedding) {
        /** AlignVLM's output width. */
        public int wordWidth() {
            return wordEmbedding > 0 ? wordEmbedding : embedding;
        }
    }

    /**
     * The vision head's input: an image centre-cropped to a square, resized to
     * {@code imageSize}, each 0..255 channel value fed as {@code (value * rescale - mean[c]) /
     * std[c]} in {@code layout} (NHWC or NCHW).
     */
    public record Preprocessing(int imageSize, String layout, String channels, String dtype,
                                float rescale, List<Float> mean, List<Float> std) {
        public Preprocessing {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }

        /** Whether the model takes channels first. */
        public boolean channelsFirst() {
            return "NCHW".equals(layout);
        }
    }

    /** How a caption becomes token ids and how the text head's output becomes its embedding. */
    public enum Pooling {
        /** The embedding output is [batch, d] already. */
        NONE,
        /** Mean over the attention mask. */
        MEAN,
        /** The first token (BERT's [CLS]). */
        FIRST,
        /** The last attended token (CLIP's end-of-text token). */
        EOS
    }

    /**
     * The text head's settings: its tokenizer file, the longest input in tokens (special tokens
     * included), the pooling rule, and the initializer holding its word embeddings (optional:
     * empty until AlignVLM is trained against it).
     */
    public record TextSettings(String tokenizer, int maxLength, Pooling pooling, String wordEmbeddings) {
    }

    /**
     * One ONNX head: its file and the shapes of its inputs and outputs, in declaration order;
     * each dimension is an Integer, {@code "batch"} or {@code "sequence"} (dynamic).
     * {@code roles} maps what the runtime feeds or reads to the file's tensor names (a role not
     * listed is its own name). {@code normalise}: L2-normalise the embedding output.
     * {@code macsPerItem} (optional, {@code macs_per_item}) is the exporter's count of
     * multiply-accumulates per batch item. {@code int8} (optional, {@code heads.<h>.int8}) is
     * the same head quantized to int8: the same inputs and outputs, in a file of its own.
     */
    public record Head(String file, Map<String, List<Object>> inputs, Map<String, List<Object>> outputs,
                       OptionalLong macsPerItem, Map<String, String> roles, boolean normalise,
                       Optional<TextSettings> text, Optional<Variant> int8) {
        public Head {
            roles = Map.copyOf(roles);
        }

        /** A head with no int8 file. */
        public Head(String file, Map<String, List<Object>> inputs, Map<String, List<Object>> outputs,
                    OptionalLong macsPerItem, Map<String, String> roles, boolean normalise,
                    Optional<TextSettings> text) {
            this(file, inputs, outputs, macsPerItem, roles, normalise, text, Optional.empty());
        }

        /** The file's tensor name for a role. */
        public String tensor(String role) {
            return roles.getOrDefault(role, role);
        }

        /** Whether the head has a file in this precision (every head has fp32). */
        public boolean has(Precision precision) {
            return precision == Precision.FP32 || int8.isPresent();
        }

        /** The head's file in a precision it has. */
        public String file(Precision precision) {
            if (precision == Precision.FP32) {
                return file;
            }
            return int8.map(Variant::file).orElseThrow(() -> new IllegalArgumentException(
                    "the head in " + file + " has no " + precision + " file"));
        }
    }

    /**
     * A head's file in another precision: the same tensors as the head declares. {@code macsPerItem}
     * as the head's; int8 multiply-accumulates are counted against the int8 matrix-multiply rate.
     * {@code auto} ({@code "auto": false} in the manifest; true when absent): whether
     * {@code alignstream.model.precision=auto} runs it; false marks a file whose measured quality
     * cost is beyond what the bundle's builder accepts as a default, run only when asked for.
     */
    public record Variant(String file, OptionalLong macsPerItem, boolean auto) {
        public Variant(String file, OptionalLong macsPerItem) {
            this(file, macsPerItem, true);
        }
    }

    /**
     * A bundle file's expected size and SHA-256 (lower-case hex). With {@code maven} and
     * {@code resource} set, the file is read from that artifact on the classpath instead of
     * from the bundle.
     */
    public record FileEntry(String sha256, long bytes, String maven, String resource) {
        public FileEntry(String sha256, long bytes) {
            this(sha256, bytes, "", "");
        }

        public boolean referenced() {
            return !resource.isEmpty();
        }
    }
}

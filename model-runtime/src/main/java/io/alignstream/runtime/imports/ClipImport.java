package io.alignstream.runtime.imports;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.alignstream.runtime.onnx.Initializer;
import io.alignstream.runtime.onnx.OnnxFormatException;
import io.alignstream.runtime.onnx.OnnxGraph;
import io.alignstream.runtime.onnx.OnnxGraph.ValueInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code alignstream model import}: a CLIP-style model in Hugging Face Optimum's export layout
 * becomes a format-2 bundle with a vision and a text head (docs/bundle-format-2.md).
 *
 * <p>Three passes, each reporting every problem it finds before giving up: the files' declared
 * signatures, tokenizer and preprocessor config (read without running anything); one trial run
 * of each model in ONNX Runtime, because exports leave most output dims symbolic, to learn d, T,
 * dp and which axes follow the token count; then the bundle is written, manifest last, so a
 * directory with a manifest is always complete.
 */
public final class ClipImport {

    public static final String VISION_FILE = "vision_model.onnx";
    public static final String TEXT_FILE = "text_model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String PREPROCESSOR_FILE = "preprocessor_config.json";
    public static final String MANIFEST_FILE = "manifest.json";

    /** The trial texts: two lengths, so the output axis that follows the token count shows itself. */
    static final String TRIAL_SHORT = "a photo of a red circle";
    static final String TRIAL_LONG = "a photo of a small red circle on the left, over a plain background";

    private static final Set<String> POOLINGS = Set.of("none", "mean", "first", "eos");
    private static final Set<String> PASS_THROUGH_OPS = Set.of("Cast", "Reshape", "Unsqueeze", "Squeeze",
            "Flatten", "Identity");

    /** The dimensions the import learned; the names follow manifest.json's {@code dims}. */
    public record Dims(int embedding, int patchTokens, int patchDim, int wordEmbedding, int textVocabulary,
                       int imageSize, int maxLength) {
    }

    /**
     * A written bundle.
     *
     * @param checks what was checked and found, one readable line each
     * @param notes  what was accepted but differs from what the source's own pipeline does
     */
    public record Result(Path bundle, Dims dims, int onnxOpset, List<String> checks, List<String> notes) {
    }

    private final Path source;
    private final Path out;
    private final ImportOptions options;
    private final List<String> problems = new ArrayList<>();
    private final List<String> checks = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    private ClipImport(Path source, Path out, ImportOptions options) {
        this.source = source;
        this.out = out;
        this.options = options;
    }

    /**
     * Imports {@code source} into the new bundle directory {@code out}.
     *
     * @throws ImportException listing every problem found, each with what the files have and a fix
     */
    public static Result run(Path source, Path out, ImportOptions options) {
        return new ClipImport(source, out, options).run();
    }

    private Result run() {
        if (!Files.isDirectory(source)) {
            throw new ImportException(List.of(source + ": not a directory (give the directory holding "
                    + VISION_FILE + ", " + TEXT_FILE + ", " + TOKENIZER_FILE + " and " + PREPROCESSOR_FILE + ")"));
        }
        checkOutputDirectory();
        checkOptions();
        Path visionPath = locate(VISION_FILE);
        Path textPath = locate(TEXT_FILE);
        Path tokenizerPath = locate(TOKENIZER_FILE);
        Path preprocessorPath = locate(PREPROCESSOR_FILE);
        if (visionPath == null && Files.isRegularFile(source.resolve("model.onnx"))) {
            problems.add("model.onnx: a combined CLIP export is not read; the vision and text towers must be "
                    + "separate files (" + VISION_FILE + " and " + TEXT_FILE + ", as Optimum's per-tower "
                    + "exports and Transformers.js repositories have them)");
        }
        failIfProblems();

        byte[] visionBytes = read(visionPath);
        byte[] textBytes = read(textPath);
        OnnxGraph vision = parse(VISION_FILE, visionBytes);
        OnnxGraph text = parse(TEXT_FILE, textBytes);
        failIfProblems();

        VisionSignature v = checkVision(vision, where(visionPath));
        TextSignature t = checkText(text, where(textPath));
        Preprocessing prep = readPreprocessor(preprocessorPath);
        TokenizerInfo tok = readTokenizer(tokenizerPath, t == null ? null : t.maxLength);
        crossCheck(v, t, prep, tok);
        failIfProblems();

        int imageSize = v.size != null ? v.size : prep.crop;
        Learned learned = trialRuns(visionBytes, textBytes, vision, text, v, t, prep, tok, imageSize);
        failIfProblems();

        int opset = (int) Math.max(OnnxGraph.defaultOpset(visionBytes), OnnxGraph.defaultOpset(textBytes));
        long visionOpset = OnnxGraph.defaultOpset(visionBytes);
        long textOpset = OnnxGraph.defaultOpset(textBytes);
        checks.add("opset: " + VISION_FILE + " " + visionOpset + ", " + TEXT_FILE + " " + textOpset
                + (visionOpset == textOpset ? "" : " (the manifest records the higher, " + opset + ")"));

        Dims dims = new Dims(learned.embedding, learned.patchTokens, learned.patchDim, t.wordEmbedding,
                t.wordRows, imageSize, t.maxLength);
        write(visionBytes, textBytes, read(tokenizerPath), dims, v, t, prep, learned, opset);
        return new Result(out, dims, opset, List.copyOf(checks), List.copyOf(notes));
    }

    // ---- where things are ----

    private void checkOutputDirectory() {
        if (Files.isRegularFile(out)) {
            throw new ImportException(List.of(out + ": is a file; --out names the new bundle directory"));
        }
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new ImportException(List.of(out + ": exists and is not empty; give a new directory "
                            + "(nothing is overwritten)"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void checkOptions() {
        if (!POOLINGS.contains(options.textPooling())) {
            problems.add("--text-pooling " + options.textPooling() + ": not one of none, mean, first, eos");
        }
        if (options.maxLength() != null && options.maxLength() < 3) {
            problems.add("--max-length " + options.maxLength() + ": too short for a start token, a word and an end token");
        }
        if (options.modelId().isBlank()) {
            problems.add("--model-id is empty");
        }
    }

    /** The file in the directory itself, or in its onnx/ subfolder (Transformers.js repositories). */
    private Path locate(String name) {
        for (Path candidate : List.of(source.resolve(name), source.resolve("onnx").resolve(name))) {
            if (Files.isRegularFile(candidate)) {
                for (String sidecar : List.of(name + "_data", name + ".data")) {
                    if (Files.exists(candidate.resolveSibling(sidecar))) {
                        problems.add(where(candidate) + ": keeps its weights in an external data file (" + sidecar
                                + "), which bundles do not carry yet; re-export with the weights inside the .onnx "
                                + "(under 2 GB)");
                    }
                }
                return candidate;
            }
        }
        problems.add("no " + name + " in " + source + " or " + source.resolve("onnx") + " (Optimum's CLIP layout: "
                + VISION_FILE + ", " + TEXT_FILE + ", " + TOKENIZER_FILE + ", " + PREPROCESSOR_FILE + ")");
        return null;
    }

    private String where(Path file) {
        return source.relativize(file).toString();
    }

    // ---- pass 1: signatures, read from the files ----

    private record VisionSignature(String file, String layout, Integer size, List<String> outputs) {
    }

    private VisionSignature checkVision(OnnxGraph graph, String file) {
        String layout = "NCHW";
        Integer size = null;
        ValueInfo image = input(graph, file, options.visionInput(), "--vision-input", "image input");
        for (ValueInfo extra : graph.inputs()) {
            if (image != null && !extra.name().equals(image.name())) {
                problems.add(file + ": input " + extra.name() + " has no role: the vision head feeds one image "
                        + "input (" + options.visionInput() + ")");
            }
        }
        if (image != null) {
            requireType(file, image, Initializer.FLOAT, "float32 pixels", "export it in float32");
            List<Object> d = image.dims();
            if (d.size() != 4) {
                problems.add(file + ": " + image.name() + " has shape " + d + "; an image input is "
                        + "[batch, 3, S, S] (NCHW) or [batch, S, S, 3] (NHWC)");
            } else {
                if (d.get(0) instanceof Long fixed) {
                    problems.add(file + ": " + image.name() + " fixes the batch axis to " + fixed
                            + "; re-export with a dynamic batch axis (dynamic_axes {0: \"batch\"})");
                }
                boolean channelsLast = !Long.valueOf(3).equals(d.get(1)) && Long.valueOf(3).equals(d.get(3));
                layout = channelsLast ? "NHWC" : "NCHW";
                Object h = channelsLast ? d.get(1) : d.get(2);
                Object w = channelsLast ? d.get(2) : d.get(3);
                Object c = channelsLast ? d.get(3) : d.get(1);
                if (c instanceof Long channels && channels != 3) {
                    problems.add(file + ": " + image.name() + " has " + channels + " channels; the runtime feeds RGB (3)");
                }
                if (h instanceof Long hh && w instanceof Long ww) {
                    if (!hh.equals(ww)) {
                        problems.add(file + ": " + image.name() + " takes " + hh + "x" + ww
                                + " images; the runtime feeds square ones");
                    } else {
                        size = hh.intValue();
                    }
                }
                checks.add(file + ": input " + image.name() + " float32 " + d + " (" + layout + ")");
            }
        }
        ValueInfo embeds = output(graph, file, options.imageEmbeds(), "--image-embeds", "image embedding output",
                options.visionTokens());
        ValueInfo tokens = output(graph, file, options.visionTokens(), "--vision-tokens",
                "token output (last_hidden_state, [batch, T, dp]: the AlignVLM connector reads it)",
                options.imageEmbeds());
        if (embeds != null) {
            requireType(file, embeds, Initializer.FLOAT, "float32", "export it in float32");
            requireRank(file, embeds, 2, "[batch, d]");
        }
        if (tokens != null) {
            requireType(file, tokens, Initializer.FLOAT, "float32", "export it in float32");
            requireRank(file, tokens, 3, "[batch, T, dp]");
        }
        if (embeds != null && tokens != null) {
            checks.add(file + ": outputs " + embeds.name() + " " + embeds.dims() + ", " + tokens.name() + " "
                    + tokens.dims() + " (symbolic dims are learned by running it)");
        }
        return new VisionSignature(file, layout, size, graph.outputs().stream().map(ValueInfo::name).toList());
    }

    private static final class TextSignature {
        String file;
        String inputIds;
        String attentionMask;
        String tokenTypeIds;
        String embeds;
        String wordEmbeddings;
        int wordRows;
        int wordEmbedding;
        int maxLength;
        String maxLengthFrom;
        List<String> outputs;
    }

    private TextSignature checkText(OnnxGraph graph, String file) {
        TextSignature t = new TextSignature();
        t.file = file;
        t.outputs = graph.outputs().stream().map(ValueInfo::name).toList();
        ValueInfo ids = input(graph, file, options.textInput(), "--text-input", "token-id input",
                options.attentionMask(), "token_type_ids");
        if (ids != null) {
            t.inputIds = ids.name();
            if (ids.elementType() == INT32) {
                problems.add(file + ": " + ids.name() + " is int32; the runtime feeds int64 token ids (as Optimum's "
                        + "exports take them): re-export with an int64 " + ids.name());
            } else {
                requireType(file, ids, Initializer.INT64, "int64 token ids", "re-export with int64 token ids");
            }
            requireRank(file, ids, 2, "[batch, sequence]");
        }
        boolean maskNamed = !options.attentionMask().equals("attention_mask");   // named on purpose: must exist
        for (ValueInfo in : graph.inputs()) {
            if (in.name().equals(options.textInput())) {
                continue;
            }
            if (in.name().equals(options.attentionMask())) {
                t.attentionMask = in.name();
                requireType(file, in, Initializer.INT64, "an int64 mask", "re-export with an int64 " + in.name());
            } else if (in.name().equals("token_type_ids")) {
                t.tokenTypeIds = in.name();
                requireType(file, in, Initializer.INT64, "int64 ids", "re-export with an int64 " + in.name());
            } else if (ids != null) {
                problems.add(file + ": input " + in.name() + " has no role (the text head feeds " + options.textInput()
                        + ", " + options.attentionMask() + " and token_type_ids); if it is the attention mask, "
                        + "name it with --attention-mask " + in.name());
            }
        }
        if (maskNamed && t.attentionMask == null) {
            problems.add(file + ": no input " + options.attentionMask() + " (the file has " + names(graph.inputs())
                    + "); check --attention-mask");
        }
        if (ids != null) {
            checks.add(file + ": inputs " + Stream.of(t.inputIds, t.attentionMask, t.tokenTypeIds)
                    .filter(n -> n != null).collect(Collectors.joining(", ")) + " int64 " + ids.dims()
                    + (t.attentionMask == null ? " (no attention mask: the head runs without one)" : ""));
        }
        ValueInfo embeds = output(graph, file, options.textEmbeds(), "--text-embeds", "text embedding output",
                "last_hidden_state");
        if (embeds != null) {
            t.embeds = embeds.name();
            requireType(file, embeds, Initializer.FLOAT, "float32", "export it in float32");
            boolean pooled = options.textPooling().equals("none");
            if (!embeds.dims().isEmpty() && embeds.dims().size() == 3 && pooled) {
                problems.add(file + ": " + embeds.name() + " is " + embeds.dims() + ", one vector per token; say how "
                        + "to pool it with --text-pooling eos (CLIP's end-of-text token), mean or first");
            } else if (!embeds.dims().isEmpty() && embeds.dims().size() == 2 && !pooled) {
                problems.add(file + ": " + embeds.name() + " is " + embeds.dims() + ", already pooled; drop "
                        + "--text-pooling " + options.textPooling());
            } else if (!embeds.dims().isEmpty() && embeds.dims().size() != 2 && embeds.dims().size() != 3) {
                problems.add(file + ": " + embeds.name() + " has shape " + embeds.dims()
                        + "; a text embedding is [batch, d] or [batch, sequence, d]");
            }
        }
        findWordEmbeddings(graph, file, t);
        findMaxLength(graph, file, t);
        return t;
    }

    /**
     * The word-embedding matrix: the initializer the token ids index (a Gather, perhaps behind a
     * Cast or Reshape the exporter added), or the one --word-embeddings names.
     */
    private void findWordEmbeddings(OnnxGraph graph, String file, TextSignature t) {
        Initializer found = null;
        String how;
        if (options.wordEmbeddings() != null) {
            found = graph.initializer(options.wordEmbeddings()).orElse(null);
            how = "named by --word-embeddings";
            if (found == null) {
                problems.add(file + ": no initializer " + options.wordEmbeddings() + " (--word-embeddings); "
                        + "matrices in the file: " + matrices(graph));
                return;
            }
        } else {
            how = "the Gather on " + options.textInput();
            List<String> values = new ArrayList<>(List.of(options.textInput()));
            for (int i = 0; i < values.size() && i < 16 && found == null; i++) {
                String value = values.get(i);
                for (OnnxGraph.Node node : graph.consumersOf(value)) {
                    if (node.opType().equals("Gather") && node.inputs().size() == 2 && node.inputs().get(1).equals(value)) {
                        found = graph.initializer(node.inputs().get(0)).filter(init -> init.dims().length == 2)
                                .orElse(found);
                    } else if (PASS_THROUGH_OPS.contains(node.opType()) && node.inputs().get(0).equals(value)) {
                        values.addAll(node.outputs());
                    }
                }
            }
            if (found == null) {
                if (t.inputIds != null) {
                    problems.add(file + ": cannot tell which initializer is the word-embedding matrix (no Gather of "
                            + options.textInput() + " reads one directly); name it with --word-embeddings NAME, "
                            + "matrices in the file: " + matrices(graph));
                }
                return;
            }
        }
        long[] dims = found.dims();
        if (dims.length != 2) {
            problems.add(file + ": " + found.name() + " has dims " + Arrays.toString(dims)
                    + "; a word-embedding matrix is [vocabulary, D]");
            return;
        }
        if (found.dataType() != Initializer.FLOAT) {
            problems.add(file + ": " + found.name() + " is " + typeName(found.dataType())
                    + "; the trainer reads a float32 word-embedding matrix (quantised text models are not imported yet)");
            return;
        }
        t.wordEmbeddings = found.name();
        t.wordRows = Math.toIntExact(dims[0]);
        t.wordEmbedding = Math.toIntExact(dims[1]);
        checks.add(file + ": word embeddings " + found.name() + " [" + dims[0] + ", " + dims[1] + "] (" + how + ")");
    }

    /** --max-length, else the rows of the position-embedding initializer (CLIP: 77). */
    private void findMaxLength(OnnxGraph graph, String file, TextSignature t) {
        Initializer positions = graph.initializers().values().stream()
                // The float table, not BERT's int64 position_ids buffer [1, 512] beside it.
                .filter(i -> i.dims().length == 2 && i.dataType() == Initializer.FLOAT
                        && i.name().toLowerCase(Locale.ROOT).contains("position"))
                .findFirst().orElse(null);
        if (options.maxLength() != null) {
            t.maxLength = options.maxLength();
            t.maxLengthFrom = "--max-length";
            if (positions != null && options.maxLength() > positions.dims()[0]) {
                problems.add(file + ": --max-length " + options.maxLength() + " is more than the " + positions.dims()[0]
                        + " positions of " + positions.name() + "; give at most " + positions.dims()[0]);
            }
        } else if (positions != null) {
            t.maxLength = Math.toIntExact(positions.dims()[0]);
            t.maxLengthFrom = "rows of " + positions.name();
        }
    }

    private ValueInfo input(OnnxGraph graph, String file, String name, String option, String what, String... others) {
        return find(graph.inputs(), file, "input", name, option, what, others);
    }

    private ValueInfo output(OnnxGraph graph, String file, String name, String option, String what, String... others) {
        return find(graph.outputs(), file, "output", name, option, what, others);
    }

    /**
     * The tensor with this name, or a problem naming what the file has and, when only one tensor is
     * left once those with other roles ({@code others}) are set aside, the option that maps it.
     */
    private ValueInfo find(List<ValueInfo> values, String file, String side, String name, String option, String what,
                           String... others) {
        for (ValueInfo value : values) {
            if (value.name().equals(name)) {
                return value;
            }
        }
        List<String> candidates = values.stream().map(ValueInfo::name).filter(n -> !List.of(others).contains(n))
                .toList();
        String fix = candidates.size() == 1
                ? "name it with " + option + " " + candidates.get(0)
                : "name the " + what + " with " + option + " NAME";
        problems.add(file + ": no " + side + " " + name + " (the file has " + names(values) + "); " + fix);
        return null;
    }

    private static final int INT32 = 6;

    private void requireType(String file, ValueInfo value, int type, String wanted, String fix) {
        if (value.elementType() != type) {
            problems.add(file + ": " + value.name() + " is " + typeName(value.elementType()) + "; the runtime uses "
                    + wanted + ": " + fix);
        }
    }

    private void requireRank(String file, ValueInfo value, int rank, String shape) {
        if (!value.dims().isEmpty() && value.dims().size() != rank) {
            problems.add(file + ": " + value.name() + " has shape " + value.dims() + "; expected " + shape);
        }
    }

    static String typeName(int onnxType) {
        return switch (onnxType) {
            case 1 -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 6 -> "int32";
            case 7 -> "int64";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "float64";
            case 16 -> "bfloat16";
            default -> "ONNX type " + onnxType;
        };
    }

    private static String names(List<ValueInfo> values) {
        return values.stream().map(ValueInfo::name).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String matrices(OnnxGraph graph) {
        List<String> names = graph.initializers().values().stream().filter(i -> i.dims().length == 2)
                .map(Initializer::toString).toList();
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }

    // ---- pass 1: preprocessor and tokenizer ----

    private record Preprocessing(int crop, double rescale, double[] mean, double[] std) {
    }

    private Preprocessing readPreprocessor(Path path) {
        String file = where(path);
        JsonNode p;
        try {
            p = json.readTree(path.toFile());
        } catch (IOException e) {
            problems.add(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return null;
        }
        Integer crop = square(file, "crop_size", p.get("crop_size"));
        JsonNode size = p.get("size");
        boolean resize = p.path("do_resize").asBoolean(true);
        boolean centreCrop = p.path("do_center_crop").asBoolean(true);
        if (crop == null && p.get("crop_size") == null) {
            problems.add(file + ": no crop_size; CLIPImageProcessor configs have one ({\"height\": S, \"width\": S})");
        }
        if (!centreCrop) {
            problems.add(file + ": do_center_crop is false; the runtime always centre-crops to a square before "
                    + "resizing, so a processor that resizes without cropping is not supported yet");
        }
        Integer edge = null;
        if (size != null && size.has("shortest_edge")) {
            edge = size.get("shortest_edge").asInt();
        } else if (size != null && size.isInt()) {
            edge = size.asInt();
        } else if (size != null && size.has("height")) {
            edge = square(file, "size", size);
        }
        if (resize && crop != null && edge != null && !edge.equals(crop)) {
            problems.add(file + ": size.shortest_edge " + edge + " differs from crop_size " + crop + " (resize then crop "
                    + "a smaller centre); not supported yet: the runtime centre-crops the largest square and resizes it "
                    + "to image_size, which equals a shortest-edge resize only when shortest_edge = crop_size");
        }
        boolean rescale = p.path("do_rescale").asBoolean(true);
        double factor = rescale ? p.path("rescale_factor").asDouble(1.0 / 255) : 1.0;
        boolean normalise = p.path("do_normalize").asBoolean(true);
        double[] mean = normalise ? triple(file, "image_mean", p.get("image_mean")) : new double[]{0, 0, 0};
        double[] std = normalise ? triple(file, "image_std", p.get("image_std")) : new double[]{1, 1, 1};
        if (std != null && Arrays.stream(std).anyMatch(s -> s <= 0)) {
            problems.add(file + ": image_std " + Arrays.toString(std) + " has a value <= 0");
        }
        int resample = p.path("resample").asInt(3);
        if (resample != 2) {
            notes.add(file + ": resample " + resample + " (" + (resample == 3 ? "bicubic" : "PIL filter " + resample)
                    + "); the runtime resizes by area average down and bilinear up, so pixels differ slightly from "
                    + "the reference processor's");
        }
        if (crop == null || mean == null || std == null) {
            return null;
        }
        checks.add(file + ": crop " + crop + "x" + crop + (edge == null ? "" : ", shortest_edge " + edge)
                + ", rescale " + factor + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std));
        return new Preprocessing(crop, factor, mean, std);
    }

    /** A size given as {"height": h, "width": w} or as one number; square or a problem. */
    private Integer square(String file, String key, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.asInt();
        }
        int h = node.path("height").asInt(-1);
        int w = node.path("width").asInt(-1);
        if (h <= 0 || w <= 0) {
            problems.add(file + ": " + key + " " + node + " has no positive height and width");
            return null;
        }
        if (h != w) {
            problems.add(file + ": " + key + " " + h + "x" + w + " is not square; the runtime feeds square images");
            return null;
        }
        return h;
    }

    private double[] triple(String file, String key, JsonNode node) {
        if (node != null && node.isNumber()) {
            return new double[]{node.asDouble(), node.asDouble(), node.asDouble()};
        }
        if (node == null || !node.isArray() || node.size() != 3) {
            problems.add(file + ": " + key + " should be three numbers (R, G, B), found " + node);
            return null;
        }
        return new double[]{node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()};
    }

    private record TokenizerInfo(String type, int vocabulary, int[] shortIds, int[] longIds) {
    }

    private TokenizerInfo readTokenizer(Path path, Integer maxLength) {
        String file = where(path);
        byte[] bytes = read(path);
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (IOException e) {
            problems.add(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return null;
        }
        JsonNode vocab = root.path("model").path("vocab");
        String type = root.path("model").path("type").asText("?");
        Set<Long> ids = new java.util.HashSet<>();
        if (vocab.isObject()) {   // WordLevel, WordPiece, BPE: {"token": id}
            vocab.elements().forEachRemaining(id -> ids.add(id.asLong()));
        } else if (vocab.isArray()) {   // Unigram: [["piece", score], ...], ids by position
            for (long i = 0; i < vocab.size(); i++) {
                ids.add(i);
            }
        } else {
            problems.add(file + ": no model.vocab (a Hugging Face tokenizers file names its vocabulary there)");
            return null;
        }
        for (JsonNode added : root.path("added_tokens")) {
            ids.add(added.path("id").asLong());
        }
        long maxId = ids.stream().mapToLong(Long::longValue).max().orElse(-1);
        int vocabulary = Math.toIntExact(maxId + 1);
        if (ids.size() != vocabulary) {
            notes.add(file + ": ids run 0.." + maxId + " but only " + ids.size() + " tokens name them; "
                    + "the gaps have no word");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("padding", "false");   // as the runtime: one row per text, padded per batch
        settings.put("truncation", "true");
        settings.put("maxLength", String.valueOf(maxLength == null || maxLength < 3 ? 77 : maxLength));
        System.setProperty("ai.djl.offline", "true");
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                settings)) {
            Encoding shortText = tokenizer.encode(TRIAL_SHORT);
            Encoding longText = tokenizer.encode(TRIAL_LONG);
            int[] shortIds = Arrays.stream(shortText.getIds()).mapToInt(Math::toIntExact).toArray();
            int[] longIds = Arrays.stream(longText.getIds()).mapToInt(Math::toIntExact).toArray();
            if (shortIds.length == 0 || shortIds.length == longIds.length) {
                problems.add(file + ": tokenises \"" + TRIAL_SHORT + "\" as " + Arrays.toString(shortText.getTokens())
                        + " and a longer text to as many tokens; a tokenizer that pads every text to one length, or truncates "
                        + "this short, is not usable");
                return null;
            }
            checks.add(file + ": " + type + ", " + vocabulary + " ids; \"" + TRIAL_SHORT + "\" -> "
                    + String.join(" ", shortText.getTokens()));
            return new TokenizerInfo(type, vocabulary, shortIds, longIds);
        } catch (IOException | RuntimeException e) {
            problems.add(file + ": the tokenizers library cannot load it (" + e.getMessage() + ")");
            return null;
        }
    }

    private void crossCheck(VisionSignature v, TextSignature t, Preprocessing prep, TokenizerInfo tok) {
        if (v != null && prep != null && v.size != null && v.size != prep.crop) {
            problems.add(v.file + " takes " + v.size + "x" + v.size + " images but " + PREPROCESSOR_FILE + " crops to "
                    + prep.crop + "x" + prep.crop + "; the two must agree (is the preprocessor config from another "
                    + "checkpoint?)");
        }
        if (t != null && tok != null && t.wordEmbeddings != null && t.wordRows != tok.vocabulary) {
            problems.add(TOKENIZER_FILE + " has " + tok.vocabulary + " token ids but " + t.file + "'s word-embedding "
                    + "matrix " + t.wordEmbeddings + " has " + t.wordRows + " rows; the tokenizer and the text model "
                    + "must come from the same checkpoint");
        }
        if (t != null && t.maxLength == 0) {
            problems.add(t.file + ": no position-embedding initializer tells the longest text it takes; give "
                    + "--max-length N (CLIP: 77)");
        } else if (t != null && tok != null) {
            checks.add("max_length " + t.maxLength + " (" + t.maxLengthFrom + ")");
        }
    }

    // ---- pass 2: one run of each model ----

    private record Learned(int embedding, int patchTokens, int patchDim,
                           Map<String, List<Object>> visionOutputs, Map<String, List<Object>> textOutputs) {
    }

    private Learned trialRuns(byte[] visionBytes, byte[] textBytes, OnnxGraph vision, OnnxGraph text,
                              VisionSignature v, TextSignature t, Preprocessing prep, TokenizerInfo tok, int size) {
        // A black image after the preprocessing the bundle will declare, batch 2: a fixed batch shows here.
        int plane = size * size;
        float[] pixels = new float[2 * 3 * plane];
        boolean nhwc = v.layout.equals("NHWC");
        for (int i = 0; i < pixels.length; i++) {
            int c = nhwc ? i % 3 : (i / plane) % 3;
            pixels[i] = (float) ((0 - prep.mean[c]) / prep.std[c]);
        }
        long[] imageShape = nhwc ? new long[]{2, size, size, 3} : new long[]{2, 3, size, size};
        Map<String, TrialRun.Output> image;
        try {
            image = TrialRun.run(v.file, visionBytes, v.outputs,
                    List.of(new TrialRun.Feed(options.visionInput(), pixels, imageShape)));
        } catch (IllegalStateException e) {
            problems.add(v.file + ": ONNX Runtime cannot run it on a blank " + Arrays.toString(imageShape) + " image: "
                    + e.getMessage());
            return null;
        }
        Map<String, TrialRun.Output> shortRun = runText(textBytes, t, tok.shortIds);
        Map<String, TrialRun.Output> longRun = shortRun == null ? null : runText(textBytes, t, tok.longIds);
        if (longRun == null) {
            return null;
        }
        Map<String, List<Object>> visionShapes = new LinkedHashMap<>();
        for (Map.Entry<String, TrialRun.Output> o : image.entrySet()) {
            visionShapes.put(o.getKey(), shape(o.getValue().shape(), null));
            finite(v.file, o.getKey(), o.getValue());
        }
        Map<String, List<Object>> textShapes = new LinkedHashMap<>();
        for (Map.Entry<String, TrialRun.Output> o : shortRun.entrySet()) {
            TrialRun.Output other = longRun.get(o.getKey());
            textShapes.put(o.getKey(), shape(o.getValue().shape(), other == null ? null : other.shape()));
            finite(t.file, o.getKey(), o.getValue());
        }
        long[] embeds = image.get(options.imageEmbeds()).shape();
        long[] tokens = image.get(options.visionTokens()).shape();
        long[] textEmbeds = shortRun.get(t.embeds).shape();
        if (embeds.length != 2 || embeds[0] != 2) {
            problems.add(v.file + ": " + options.imageEmbeds() + " came out " + Arrays.toString(embeds)
                    + " for a batch of 2; expected [2, d]");
        }
        if (tokens.length != 3 || tokens[0] != 2) {
            problems.add(v.file + ": " + options.visionTokens() + " came out " + Arrays.toString(tokens)
                    + " for a batch of 2; expected [2, T, dp]");
        }
        boolean pooled = options.textPooling().equals("none");
        int expectedRank = pooled ? 2 : 3;
        if (textEmbeds.length != expectedRank || textEmbeds[0] != 2) {
            problems.add(t.file + ": " + t.embeds + " came out " + Arrays.toString(textEmbeds) + " for a batch of 2; "
                    + "expected " + (pooled ? "[2, d]" : "[2, sequence, d]"));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        int d = Math.toIntExact(embeds[1]);
        int textD = Math.toIntExact(textEmbeds[textEmbeds.length - 1]);
        if (d != textD) {
            problems.add(v.file + "'s " + options.imageEmbeds() + " is " + d + " wide but " + t.file + "'s " + t.embeds
                    + " is " + textD + "; the image and text towers must share one embedding space "
                    + "(are they from the same CLIP checkpoint?)");
        }
        checks.add(v.file + ": ran on a blank " + Arrays.toString(imageShape) + " image: " + describe(image));
        checks.add(t.file + ": ran on " + tok.shortIds.length + "- and " + tok.longIds.length + "-token texts: "
                + describe(shortRun) + (textEmbeds.length == 3 ? ", pooled by " + options.textPooling() : ""));
        if (d == textD) {
            checks.add("embedding space: " + options.imageEmbeds() + " and " + t.embeds + " share d = " + d);
        }
        if (textEmbeds.length == 3) {
            // A width check cannot see this: CLIP's hidden states come before text_projection,
            // and for B/32, B/16 and L/14 both are the same width.
            notes.add(t.file + ": " + t.embeds + " is pooled here, not projected: it is in the image embeddings'"
                    + " space only if the model was trained that way (a sentence encoder such as MiniLM); for a CLIP"
                    + " text tower export text_embeds, after text_projection");
        }
        return new Learned(d, Math.toIntExact(tokens[1]), Math.toIntExact(tokens[2]), visionShapes, textShapes);
    }

    private Map<String, TrialRun.Output> runText(byte[] textBytes, TextSignature t, int[] ids) {
        int n = ids.length;
        long[] tokenIds = new long[2 * n];
        long[] mask = new long[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            tokenIds[i] = ids[i % n];
            mask[i] = 1;
        }
        List<TrialRun.Feed> feeds = new ArrayList<>();
        feeds.add(new TrialRun.Feed(t.inputIds, tokenIds, 2, n));
        if (t.attentionMask != null) {
            feeds.add(new TrialRun.Feed(t.attentionMask, mask, 2, n));
        }
        if (t.tokenTypeIds != null) {
            feeds.add(new TrialRun.Feed(t.tokenTypeIds, new long[2 * n], 2, n));
        }
        try {
            return TrialRun.run(t.file, textBytes, t.outputs, feeds);
        } catch (IllegalStateException e) {
            problems.add(t.file + ": ONNX Runtime cannot run it on " + n + " token ids (batch 2): " + e.getMessage());
            return null;
        }
    }

    /** Axis 0 is the batch; an axis whose size followed the token count is the sequence. */
    private static List<Object> shape(long[] first, long[] second) {
        List<Object> shape = new ArrayList<>();
        for (int i = 0; i < first.length; i++) {
            if (i == 0) {
                shape.add("batch");
            } else if (second != null && second.length == first.length && second[i] != first[i]) {
                shape.add("sequence");
            } else {
                shape.add(Math.toIntExact(first[i]));
            }
        }
        return shape;
    }

    private void finite(String file, String output, TrialRun.Output o) {
        if (o.floats() != null) {
            for (float f : o.floats()) {
                if (!Float.isFinite(f)) {
                    problems.add(file + ": " + output + " holds " + f + " on the trial input");
                    return;
                }
            }
        }
    }

    private static String describe(Map<String, TrialRun.Output> outputs) {
        return outputs.entrySet().stream().map(e -> e.getKey() + " " + Arrays.toString(e.getValue().shape()))
                .collect(Collectors.joining(", "));
    }

    // ---- pass 3: the bundle ----

    private void write(byte[] visionBytes, byte[] textBytes, byte[] tokenizerBytes, Dims dims, VisionSignature v,
                       TextSignature t, Preprocessing prep, Learned learned, int opset) {
        Map<String, Object> files = new LinkedHashMap<>();
        try {
            Files.createDirectories(out);
            files.put(VISION_FILE, writeFile(VISION_FILE, visionBytes));
            files.put(TEXT_FILE, writeFile(TEXT_FILE, textBytes));
            files.put(TOKENIZER_FILE, writeFile(TOKENIZER_FILE, tokenizerBytes));

            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", 2);
            manifest.put("model_id", options.modelId());
            manifest.put("version", options.version());
            Map<String, Object> dimsNode = new LinkedHashMap<>();
            dimsNode.put("embedding", dims.embedding());
            dimsNode.put("patch_tokens", dims.patchTokens());
            dimsNode.put("patch_dim", dims.patchDim());
            dimsNode.put("word_embedding", dims.wordEmbedding());
            dimsNode.put("text_vocabulary", dims.textVocabulary());
            manifest.put("dims", dimsNode);
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("image_size", dims.imageSize());
            preprocessing.put("layout", v.layout);
            preprocessing.put("channels", "RGB");
            preprocessing.put("dtype", "float32");
            preprocessing.put("rescale", prep.rescale);
            preprocessing.put("mean", prep.mean);
            preprocessing.put("std", prep.std);
            manifest.put("preprocessing", preprocessing);

            int s = dims.imageSize();
            Map<String, Object> visionHead = new LinkedHashMap<>();
            visionHead.put("file", VISION_FILE);
            visionHead.put("inputs", Map.of(options.visionInput(), v.layout.equals("NHWC")
                    ? List.of("batch", s, s, 3) : List.of("batch", 3, s, s)));
            visionHead.put("outputs", learned.visionOutputs);
            Map<String, Object> visionRoles = new LinkedHashMap<>();
            visionRoles.put("image", options.visionInput());
            visionRoles.put("embedding", options.imageEmbeds());
            visionRoles.put("patch_tokens", options.visionTokens());
            visionHead.put("roles", visionRoles);
            visionHead.put("normalise", true);

            Map<String, Object> textHead = new LinkedHashMap<>();
            textHead.put("file", TEXT_FILE);
            textHead.put("tokenizer", TOKENIZER_FILE);
            textHead.put("max_length", dims.maxLength());
            textHead.put("pooling", options.textPooling());
            textHead.put("normalise", true);
            textHead.put("word_embeddings", t.wordEmbeddings);
            Map<String, Object> textInputs = new LinkedHashMap<>();
            Map<String, Object> textRoles = new LinkedHashMap<>();
            for (String[] role : List.of(new String[]{"input_ids", t.inputIds},
                    new String[]{"attention_mask", t.attentionMask}, new String[]{"token_type_ids", t.tokenTypeIds})) {
                if (role[1] != null) {
                    textInputs.put(role[1], List.of("batch", "sequence"));
                    textRoles.put(role[0], role[1]);
                }
            }
            textRoles.put("embedding", t.embeds);
            textHead.put("inputs", textInputs);
            textHead.put("outputs", learned.textOutputs);
            textHead.put("roles", textRoles);

            Map<String, Object> heads = new LinkedHashMap<>();
            heads.put("vision", visionHead);
            heads.put("text", textHead);
            manifest.put("heads", heads);
            manifest.put("onnx_opset", opset);
            manifest.put("files", files);
            // Last: a bundle directory with a manifest is a complete one.
            json.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(MANIFEST_FILE).toFile(),
                    manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the bundle to " + out + ": " + e.getMessage(), e);
        }
        checks.add("wrote " + out.resolve(MANIFEST_FILE) + " and " + String.join(", ", files.keySet()));
    }

    private Map<String, Object> writeFile(String name, byte[] bytes) throws IOException {
        Files.write(out.resolve(name), bytes);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("sha256", sha256(bytes));
        entry.put("bytes", bytes.length);
        return entry;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- small helpers ----

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path + ": " + e.getMessage(), e);
        }
    }

    private OnnxGraph parse(String file, byte[] bytes) {
        try {
            return OnnxGraph.parse(bytes);
        } catch (OnnxFormatException e) {
            problems.add(file + ": not a readable ONNX model (" + e.getMessage() + ")");
            return null;
        }
    }

    private void failIfProblems() {
        if (!problems.isEmpty()) {
            throw new ImportException(problems);
        }
    }
}

package io.alignstream.runtime.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Parses manifest.json into a {@link BundleManifest}, collecting one problem per missing or
 * mistyped field (named by its JSON path) instead of stopping at the first, so a broken
 * manifest is explained in one go. Missing numbers read as 0 and missing texts as "" so the
 * remaining checks can still run; the collected problems make the bundle invalid anyway.
 */
final class ManifestReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Dynamic dimensions a shape may name: the batch axis and a text head's token axis. */
    static final List<String> SYMBOLIC = List.of("batch", "sequence");
    /** MiniLM's word-embedding initializer, which format 1 did not name. */
    private static final String FORMAT_ONE_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

    private final List<String> problems;

    ManifestReader(List<String> problems) {
        this.problems = problems;
    }

    BundleManifest read(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add(BundleLoader.MANIFEST + ": not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr());
            return null;
        } catch (IOException e) {
            problems.add(BundleLoader.MANIFEST + ": unreadable: " + e.getMessage());
            return null;
        }
        if (root == null || !root.isObject()) {
            problems.add(BundleLoader.MANIFEST + ": expected a JSON object at the top level");
            return null;
        }
        int format = format(root);
        JsonNode dims = object(root, "dims");
        JsonNode pre = object(root, "preprocessing");
        Map<String, BundleManifest.Head> heads = heads(object(root, "heads"), format);
        Map<String, BundleManifest.FileEntry> files = files(object(root, "files"));
        if (format == 1) {
            formatOneTextEncoder(object(root, "text_encoder"), integer(dims, "dims", "embedding"), heads, files);
        }
        return new BundleManifest(
                format,
                text(root, "", "model_id"),
                text(root, "", "version"),
                new BundleManifest.Dims(
                        integer(dims, "dims", "embedding"),
                        integer(dims, "dims", "patch_tokens"),
                        integer(dims, "dims", "patch_dim"),
                        // Format 2: the trained heads' sizes come with them (an imported bundle has none yet).
                        format == 1 ? integer(dims, "dims", "sae_latents") : optionalInteger(dims, "dims", "sae_latents"),
                        format == 1 ? integer(dims, "dims", "sae_k") : optionalInteger(dims, "dims", "sae_k"),
                        format == 1 ? integer(dims, "dims", "align_vocabulary") : optionalInteger(dims, "dims", "align_vocabulary"),
                        format == 1 ? integer(dims, "dims", "align_top") : optionalInteger(dims, "dims", "align_top"),
                        integer(dims, "dims", "text_vocabulary"),
                        optionalInteger(dims, "dims", "word_embedding")),
                new BundleManifest.Preprocessing(
                        integer(pre, "preprocessing", "image_size"),
                        text(pre, "preprocessing", "layout"),
                        text(pre, "preprocessing", "channels"),
                        text(pre, "preprocessing", "dtype"),
                        (float) optionalNumber(pre, "preprocessing", "rescale", 1),
                        channelValues(pre, "mean", 0f),
                        channelValues(pre, "std", 1f)),
                heads,
                integer(root, "", "onnx_opset"),
                // An imported bundle has no golden outputs until trained, nor a synthetic world.
                format == 1 || root.has("golden") ? text(root, "", "golden") : "",
                format == 1 || root.has("world") ? seed(object(root, "world")) : 0,
                files);
    }

    private int format(JsonNode root) {
        JsonNode format = root.path("format");
        if (format.isMissingNode()) {
            return 1;
        }
        if (!format.isInt() || !BundleLoader.SUPPORTED_FORMATS.contains(format.intValue())) {
            problems.add(BundleLoader.MANIFEST + ": format = " + format + ": this runtime reads bundle formats "
                    + BundleLoader.SUPPORTED_FORMATS);
            return 0;
        }
        return format.intValue();
    }

    /**
     * Format 1 named its text encoder apart from the heads, by Maven artifact and resource: read
     * it as the text head format 2 would declare for the same files (mean pooling over
     * {@code last_hidden_state}, L2-normalised), so old bundles keep loading.
     */
    private void formatOneTextEncoder(JsonNode text, int embedding, Map<String, BundleManifest.Head> heads,
                                      Map<String, BundleManifest.FileEntry> files) {
        JsonNode maven = object(text, "text_encoder", "maven");
        String coordinates = text(maven, "text_encoder.maven", "groupId") + ":"
                + text(maven, "text_encoder.maven", "artifactId") + ":"
                + text(maven, "text_encoder.maven", "version");
        String model = text(text, "text_encoder", "model_resource");
        String tokenizer = text(text, "text_encoder", "tokenizer_resource");
        files.put(model, new BundleManifest.FileEntry(text(text, "text_encoder", "model_sha256"), 0, coordinates, model));
        files.put(tokenizer, new BundleManifest.FileEntry(
                text(text, "text_encoder", "tokenizer_sha256"), 0, coordinates, tokenizer));
        Map<String, List<Object>> inputs = new LinkedHashMap<>();
        for (String input : List.of("input_ids", "attention_mask", "token_type_ids")) {
            inputs.put(input, List.of("batch", "sequence"));
        }
        heads.put(BundleManifest.TEXT, new BundleManifest.Head(model, inputs,
                Map.of("last_hidden_state", List.of("batch", "sequence", embedding)), OptionalLong.empty(),
                Map.of("embedding", "last_hidden_state"), true,
                Optional.of(new BundleManifest.TextSettings(tokenizer, integer(text, "text_encoder", "max_length"),
                        BundleManifest.Pooling.MEAN, FORMAT_ONE_WORD_EMBEDDINGS))));
    }

    private Map<String, BundleManifest.Head> heads(JsonNode heads, int format) {
        Map<String, BundleManifest.Head> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = heads.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> head = it.next();
            String path = "heads." + head.getKey();
            JsonNode node = head.getValue();
            if (format == 1 && head.getKey().equals(BundleManifest.TEXT)) {
                problems.add(BundleLoader.MANIFEST + ": " + path + ": a format-1 bundle names its text encoder in"
                        + " text_encoder; add \"format\": 2 to declare a text head");
            }
            Optional<BundleManifest.TextSettings> text = Optional.empty();
            if (head.getKey().equals(BundleManifest.TEXT)) {
                text = Optional.of(new BundleManifest.TextSettings(
                        text(node, path, "tokenizer"),
                        integer(node, path, "max_length"),
                        pooling(node, path),
                        node.path("word_embeddings").isTextual() ? node.path("word_embeddings").textValue() : ""));
            }
            out.put(head.getKey(), new BundleManifest.Head(
                    text(node, path, "file"),
                    shapes(object(node, path, "inputs"), path + ".inputs"),
                    shapes(object(node, path, "outputs"), path + ".outputs"),
                    optionalPositiveLong(node, path, "macs_per_item"),
                    roles(node, path),
                    node.path("normalise").asBoolean(false),
                    text,
                    int8(node, path)));
        }
        return out;
    }

    /** {@code heads.<h>.int8}: the head's int8 file, absent when it has none. */
    private Optional<BundleManifest.Variant> int8(JsonNode head, String path) {
        JsonNode node = head.path("int8");
        if (node.isMissingNode()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            problems.add(field(path, "int8") + " must be an object with a file");
            return Optional.empty();
        }
        JsonNode auto = node.path("auto");
        if (!auto.isMissingNode() && !auto.isBoolean()) {
            problems.add(field(path + ".int8", "auto") + " must be true or false");
        }
        return Optional.of(new BundleManifest.Variant(text(node, path + ".int8", "file"),
                optionalPositiveLong(node, path + ".int8", "macs_per_item"), auto.asBoolean(true)));
    }

    private BundleManifest.Pooling pooling(JsonNode head, String path) {
        String value = text(head, path, "pooling");
        try {
            return value.isEmpty() ? BundleManifest.Pooling.NONE
                    : BundleManifest.Pooling.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(field(path, "pooling") + " = \"" + value + "\": expected none, mean, first or eos");
            return BundleManifest.Pooling.NONE;
        }
    }

    private Map<String, String> roles(JsonNode head, String path) {
        JsonNode roles = head.path("roles");
        Map<String, String> out = new LinkedHashMap<>();
        if (roles.isMissingNode()) {
            return out;
        }
        if (!roles.isObject()) {
            problems.add(field(path, "roles") + " must be an object of role -> tensor name");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = roles.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> role = it.next();
            if (!role.getValue().isTextual() || role.getValue().textValue().isBlank()) {
                problems.add(field(path + ".roles", role.getKey()) + " must be a tensor name");
            } else {
                out.put(role.getKey(), role.getValue().textValue());
            }
        }
        return out;
    }

    /** Three per-channel values (RGB); absent gives the identity value. */
    private List<Float> channelValues(JsonNode pre, String name, float identity) {
        JsonNode values = pre.path(name);
        if (values.isMissingNode()) {
            return List.of(identity, identity, identity);
        }
        List<Float> out = new ArrayList<>();
        if (values.isArray() && values.size() == 3) {
            for (JsonNode value : values) {
                if (value.isNumber() && Double.isFinite(value.doubleValue())) {
                    out.add(value.floatValue());
                }
            }
        }
        if (out.size() != 3) {
            problems.add(field("preprocessing", name) + " must be a list of 3 numbers (R, G, B)");
            return List.of(identity, identity, identity);
        }
        return out;
    }

    private double optionalNumber(JsonNode parent, String path, String name, double absent) {
        JsonNode node = parent.path(name);
        if (node.isMissingNode()) {
            return absent;
        }
        if (!node.isNumber() || !(node.doubleValue() > 0) || !Double.isFinite(node.doubleValue())) {
            problems.add(field(path, name) + " = " + node + ": must be a positive number");
            return absent;
        }
        return node.doubleValue();
    }

    private int optionalInteger(JsonNode parent, String path, String name) {
        return parent.path(name).isMissingNode() ? 0 : integer(parent, path, name);
    }

    /** An optional whole number above zero; absent or null gives empty. */
    private OptionalLong optionalPositiveLong(JsonNode node, String path, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() <= 0) {
            problems.add(BundleLoader.MANIFEST + ": " + path + "." + field
                    + ": must be a whole number above 0, got " + value);
            return OptionalLong.empty();
        }
        return OptionalLong.of(value.asLong());
    }

    private Map<String, List<Object>> shapes(JsonNode node, String path) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            List<Object> dims = new ArrayList<>();
            if (!entry.getValue().isArray()) {
                problems.add(field(path, entry.getKey()) + " must be a list of dimensions");
            }
            for (JsonNode dim : entry.getValue()) {
                if (dim.isInt()) {
                    dims.add(dim.intValue());
                } else if (dim.isTextual() && SYMBOLIC.contains(dim.textValue())) {
                    dims.add(dim.textValue());
                } else {
                    problems.add(field(path, entry.getKey()) + " has dimension " + dim
                            + ": expected a whole number, \"batch\" or \"sequence\"");
                }
            }
            out.put(entry.getKey(), dims);
        }
        return out;
    }

    private Map<String, BundleManifest.FileEntry> files(JsonNode files) {
        Map<String, BundleManifest.FileEntry> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> file = it.next();
            String path = "files." + file.getKey();
            long bytes = file.getValue().path("bytes").isIntegralNumber()
                    ? file.getValue().path("bytes").longValue() : -1;
            if (bytes < 0) {
                problems.add(field(path, "bytes") + " must be a non-negative whole number");
            }
            JsonNode entry = file.getValue();
            boolean referenced = entry.has("resource") || entry.has("maven");
            out.put(file.getKey(), new BundleManifest.FileEntry(text(entry, path, "sha256"), bytes,
                    referenced ? text(entry, path, "maven") : "", referenced ? text(entry, path, "resource") : ""));
        }
        return out;
    }

    private long seed(JsonNode world) {
        JsonNode seed = world.path("seed");
        if (!seed.isIntegralNumber()) {
            if (!world.isMissingNode()) {
                problems.add(field("world", "seed") + (seed.isMissingNode() ? " is missing" : " must be a whole number"));
            }
            return 0;
        }
        return seed.longValue();
    }

    private JsonNode object(JsonNode parent, String name) {
        return object(parent, "", name);
    }

    private JsonNode object(JsonNode parent, String path, String name) {
        JsonNode node = parent.path(name);
        if (!node.isObject()) {
            if (!parent.isMissingNode()) {
                problems.add(field(path, name) + (node.isMissingNode() ? " is missing" : " must be an object"));
            }
            return MissingNode.getInstance();
        }
        return node;
    }

    private String text(JsonNode parent, String path, String name) {
        JsonNode node = parent.path(name);
        if (!node.isTextual() || node.textValue().isBlank()) {
            if (!parent.isMissingNode()) {
                problems.add(field(path, name) + (node.isMissingNode() ? " is missing" : " must be a non-empty string"));
            }
            return "";
        }
        return node.textValue();
    }

    private int integer(JsonNode parent, String path, String name) {
        JsonNode node = parent.path(name);
        if (!node.isInt() || node.intValue() <= 0) {
            if (!parent.isMissingNode()) {
                problems.add(field(path, name) + (node.isMissingNode() ? " is missing" : " = " + node
                        + ": must be a positive whole number"));
            }
            return 0;
        }
        return node.intValue();
    }

    private static String field(String path, String name) {
        return BundleLoader.MANIFEST + ": " + (path.isEmpty() ? name : path + "." + name);
    }
}

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
import java.util.OptionalLong;

/**
 * Parses manifest.json into a {@link BundleManifest}, collecting one problem per missing or
 * mistyped field (named by its JSON path) instead of stopping at the first, so a broken
 * manifest is explained in one go. Missing numbers read as 0 and missing texts as "" so the
 * remaining checks can still run; the collected problems make the bundle invalid anyway.
 */
final class ManifestReader {

    private static final ObjectMapper JSON = new ObjectMapper();

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
        JsonNode dims = object(root, "dims");
        JsonNode pre = object(root, "preprocessing");
        JsonNode text = object(root, "text_encoder");
        JsonNode maven = object(text, "text_encoder", "maven");
        return new BundleManifest(
                text(root, "", "model_id"),
                text(root, "", "version"),
                new BundleManifest.Dims(
                        integer(dims, "dims", "embedding"),
                        integer(dims, "dims", "patch_tokens"),
                        integer(dims, "dims", "patch_dim"),
                        integer(dims, "dims", "sae_latents"),
                        integer(dims, "dims", "sae_k"),
                        integer(dims, "dims", "align_vocabulary"),
                        integer(dims, "dims", "align_top"),
                        integer(dims, "dims", "text_vocabulary")),
                new BundleManifest.Preprocessing(
                        integer(pre, "preprocessing", "image_size"),
                        text(pre, "preprocessing", "layout"),
                        text(pre, "preprocessing", "channels"),
                        text(pre, "preprocessing", "dtype")),
                new BundleManifest.TextEncoder(
                        text(text, "text_encoder", "name"),
                        text(maven, "text_encoder.maven", "groupId") + ":"
                                + text(maven, "text_encoder.maven", "artifactId") + ":"
                                + text(maven, "text_encoder.maven", "version"),
                        text(text, "text_encoder", "model_resource"),
                        text(text, "text_encoder", "tokenizer_resource"),
                        text(text, "text_encoder", "model_sha256"),
                        text(text, "text_encoder", "tokenizer_sha256"),
                        integer(text, "text_encoder", "max_length")),
                heads(object(root, "heads")),
                integer(root, "", "onnx_opset"),
                text(root, "", "golden"),
                seed(object(root, "world")),
                files(object(root, "files")));
    }

    private Map<String, BundleManifest.Head> heads(JsonNode heads) {
        Map<String, BundleManifest.Head> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = heads.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> head = it.next();
            String path = "heads." + head.getKey();
            out.put(head.getKey(), new BundleManifest.Head(
                    text(head.getValue(), path, "file"),
                    shapes(object(head.getValue(), path, "inputs"), path + ".inputs"),
                    shapes(object(head.getValue(), path, "outputs"), path + ".outputs"),
                    optionalPositiveLong(head.getValue(), path, "macs_per_item")));
        }
        return out;
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
                } else if (dim.isTextual() && dim.textValue().equals("batch")) {
                    dims.add("batch");
                } else {
                    problems.add(field(path, entry.getKey()) + " has dimension " + dim
                            + ": expected a whole number or \"batch\"");
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
            out.put(file.getKey(), new BundleManifest.FileEntry(text(file.getValue(), path, "sha256"), bytes));
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

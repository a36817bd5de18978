package io.alignstream.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The bundle's golden.json: PyTorch's inputs and outputs for a few fixed test items. The
 * label-supervised pipeline's (pipeline.py) name the synthetic world's test scenes
 * ({@code world_seed}, {@code indices}); the label-free trainer's (labelfree.py, the default
 * bundle's since 0.3.0) name the first test-split images of the training-data directory it read
 * ({@code indices} are rows of its images.jsonl, {@code image_ids} their ids).
 *
 * <p>A bundle with int8 heads also has their outputs on the same golden inputs, computed by ONNX
 * Runtime when the int8 files were made ({@code alignstream model golden}), under
 * {@code int8.<head>.<output>}; the text head's under {@code int8.text.embedding}; and the sha256
 * of the int8 file each head's rows came from, under {@code int8_files.<head>}.
 */
public final class GoldenOutputs {

    private final JsonNode root;

    private GoldenOutputs(JsonNode root) {
        this.root = root;
    }

    public static GoldenOutputs of(ModelBundle bundle) {
        try {
            return new GoldenOutputs(new ObjectMapper().readTree(bundle.golden()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** golden.json's {@code world_seed}; 0 when it names none (the label-free trainer's). */
    public long worldSeed() {
        return root.path("world_seed").longValue();
    }

    public List<Long> indices() {
        List<Long> out = new ArrayList<>();
        root.path("indices").forEach(i -> out.add(i.longValue()));
        return out;
    }

    /** The golden items' image ids ({@code image_ids}); empty when golden.json has none. */
    public List<String> imageIds() {
        List<String> out = new ArrayList<>();
        root.path("image_ids").forEach(i -> out.add(i.asText()));
        return out;
    }

    public int count() {
        return root.path("indices").size();
    }

    /** The exact image bytes, HWC RGB. */
    public byte[] imageBytes(int item) {
        return Base64.getDecoder().decode(root.path("image_hwc_uint8_base64").get(item).textValue());
    }

    public String captionText(int item) {
        return root.path("caption_text").get(item).textValue();
    }

    public float[] captionEmbedding(int item) {
        return floats(root.path("caption_embedding").get(item));
    }

    /** Every golden item's caption embedding, in item order. */
    public List<float[]> captionEmbeddings() {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < count(); i++) {
            out.add(captionEmbedding(i));
        }
        return out;
    }

    /**
     * The row one head output of one item is held to in a precision: fp32's text head is held to
     * the caption embeddings the other heads were fed ({@code caption_embedding}), every other
     * output to its own rows ({@link #output(Precision, String, String, int)}).
     */
    public float[] expected(Precision precision, String head, String output, int item) {
        return precision == Precision.FP32 && head.equals(BundleManifest.TEXT)
                ? captionEmbedding(item) : output(precision, head, output, item);
    }

    /** The key golden.json keeps a precision's outputs under: fp32 at the top level. */
    public static final String INT8 = "int8";
    /** The key golden.json keeps, per head, the sha256 of the int8 file its int8 rows came from. */
    public static final String INT8_FILES = "int8_files";

    /**
     * The sha256 of the int8 file the head's int8 rows were written from; empty for rows written
     * before golden.json recorded it.
     */
    public Optional<String> int8File(String head) {
        JsonNode sha = root.path(INT8_FILES).path(head);
        return sha.isTextual() ? Optional.of(sha.textValue()) : Optional.empty();
    }

    /** Whether golden.json has this head output for every golden item. */
    public boolean has(String head, String output) {
        return has(Precision.FP32, head, output);
    }

    /** Whether golden.json has this head output in this precision for every golden item. */
    public boolean has(Precision precision, String head, String output) {
        JsonNode items = rows(precision, head, output);
        return items.isArray() && items.size() == count();
    }

    /** One head output of one item, flattened. */
    public float[] output(String head, String output, int item) {
        return output(Precision.FP32, head, output, item);
    }

    /** One head output of one item in a precision, flattened. */
    public float[] output(Precision precision, String head, String output, int item) {
        return floats(rows(precision, head, output).get(item));
    }

    private JsonNode rows(Precision precision, String head, String output) {
        return (precision == Precision.INT8 ? root.path(INT8) : root).path(head).path(output);
    }

    public long[] longs(String head, String output, int item) {
        return longs(Precision.FP32, head, output, item);
    }

    public long[] longs(Precision precision, String head, String output, int item) {
        JsonNode node = rows(precision, head, output).get(item);
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).longValue();
        }
        return out;
    }

    public List<float[]> outputs(String head, String output) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < count(); i++) {
            out.add(output(head, output, i));
        }
        return out;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }
}

package io.alignstream.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The bundle's golden.json: PyTorch's inputs and outputs for a few fixed test items. The
 * label-supervised pipeline's (pipeline.py) name the synthetic world's test scenes
 * ({@code world_seed}, {@code indices}); the label-free trainer's (labelfree.py, the default
 * bundle's since 0.3.0) name the first test-split images of the training-data directory it read
 * ({@code indices} are rows of its images.jsonl, {@code image_ids} their ids).
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

    /** Whether golden.json has this head output for every golden item. */
    public boolean has(String head, String output) {
        JsonNode items = root.path(head).path(output);
        return items.isArray() && items.size() == count();
    }

    /** One head output of one item, flattened. */
    public float[] output(String head, String output, int item) {
        return floats(root.path(head).path(output).get(item));
    }

    public long[] longs(String head, String output, int item) {
        JsonNode node = root.path(head).path(output).get(item);
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

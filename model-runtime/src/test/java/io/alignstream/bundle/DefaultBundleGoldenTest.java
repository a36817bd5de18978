package io.alignstream.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed bundle is what training exported: checksums hold, its golden inputs are the
 * synthetic world's own scenes and MiniLM's own embeddings, and ONNX Runtime reproduces the
 * PyTorch golden outputs (Python has no ONNX Runtime here, so this is the export's only check).
 *
 * <p>The golden items are images of the COCO-format export the heads were trained from
 * ({@code model dataset --coco}: train-split scenes of the manifest's {@code world.seed}, image
 * id = scene index + 1), each with its first caption; the vision head is fed as the manifest's
 * {@code preprocessing} says (NCHW, rescaled and standardised), by hand, so that this test does
 * not lean on the runtime's own preprocessing.
 */
class DefaultBundleGoldenTest {

    private static final String BUNDLE = "io/alignstream/bundle/default/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode manifest;
    private static JsonNode golden;
    private static int count;

    @BeforeAll
    static void readBundle() throws IOException {
        manifest = JSON.readTree(resource("manifest.json"));
        golden = JSON.readTree(resource("golden.json"));
        count = golden.get("indices").size();
    }

    @Test
    void everyFileMatchesItsManifestChecksum() throws Exception {
        Iterator<Map.Entry<String, JsonNode>> files = manifest.get("files").fields();
        while (files.hasNext()) {
            Map.Entry<String, JsonNode> file = files.next();
            // when the file is hashed (a referenced file from its Maven artifact on the classpath)
            JsonNode referenced = file.getValue().path("resource");
            byte[] bytes = referenced.isTextual() ? classpath(referenced.asText()) : resource(file.getKey());
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            // then it is the file the manifest names
            assertThat(HexFormat.of().formatHex(digest)).as(file.getKey())
                    .isEqualTo(file.getValue().get("sha256").asText());
        }
    }

    @Test
    void goldenInputsAreTheWorldsScenesAndMiniLmEmbeddings() {
        // given the world the bundle was trained on
        SyntheticWorld world = new SyntheticWorld(manifest.get("world").get("seed").asLong());
        try (ModelRuntime runtime = ModelRuntime.openDefault(); TextTower encoder = runtime.newTextTower()) {
            LongCaptionEncoder captions = new LongCaptionEncoder(encoder);
            for (int i = 0; i < count; i++) {
                long index = Long.parseLong(golden.get("image_ids").get(i).asText()) - 1;
                // when the scene is regenerated and its caption embedded in Java
                byte[] pixels = world.sample(Split.TRAIN, index).image().pixels();
                float[] embedding = captions.embed(golden.get("caption_text").get(i).asText());
                // then both are exactly what training used
                assertThat(Base64.getDecoder().decode(golden.get("image_hwc_uint8_base64").get(i).asText()))
                        .isEqualTo(pixels);
                assertClose(embedding, floats(golden.get("caption_embedding").get(i)), 1e-5);
            }
        }
    }

    @Test
    void onnxRuntimeReproducesThePyTorchGoldenOutputs() throws Exception {
        double tolerance = golden.get("tolerance").get("absolute").asDouble();
        try (NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
            // given the golden images as the manifest's pixel_values (NCHW, (byte * rescale - mean) / std)
            JsonNode pre = manifest.get("preprocessing");
            assertThat(pre.get("layout").asText()).isEqualTo("NCHW");
            int size = pre.get("image_size").asInt();
            float[] images = new float[count * 3 * size * size];
            float[] captions = new float[count * 384];
            float[] embeddings = new float[count * 384];
            for (int i = 0; i < count; i++) {
                byte[] pixels = Base64.getDecoder().decode(golden.get("image_hwc_uint8_base64").get(i).asText());
                for (int p = 0; p < size * size; p++) {
                    for (int c = 0; c < 3; c++) {
                        float value = (pixels[p * 3 + c] & 0xFF) * (float) pre.get("rescale").asDouble();
                        images[(i * 3 + c) * size * size + p] = (value - (float) pre.get("mean").get(c).asDouble())
                                / (float) pre.get("std").get(c).asDouble();
                    }
                }
                System.arraycopy(floats(golden.get("caption_embedding").get(i)), 0, captions, i * 384, 384);
                System.arraycopy(floats(golden.get("vision").get("embedding").get(i)), 0, embeddings, i * 384, 384);
            }

            // when each head runs in ONNX Runtime
            NDList vision = run("vision_model.onnx", named(manager.create(images, new Shape(count, 3, size, size)), "pixel_values"));
            NDList tevi = run("tevi.onnx",
                    named(manager.create(embeddings, new Shape(count, 384)), "image_embedding"),
                    named(manager.create(captions, new Shape(count, 384)), "caption_embedding"));
            NDList align = run("align.onnx", named(vision.get(1), "patch_tokens"));

            // then every output matches PyTorch's
            assertClose(vision.get(0).toFloatArray(), flatten(golden.get("vision").get("embedding")), tolerance);
            assertClose(vision.get(1).toFloatArray(), flatten(golden.get("vision").get("patch_tokens")), tolerance);
            assertClose(tevi.get(0).toFloatArray(), flatten(golden.get("tevi").get("aligned_embedding")), tolerance);
            assertClose(tevi.get(2).toFloatArray(), flatten(golden.get("tevi").get("mask")), tolerance);
            assertClose(tevi.get(3).toFloatArray(), flatten(golden.get("tevi").get("caption_aligned")), tolerance);
            assertClose(align.get(1).toFloatArray(), flatten(golden.get("align").get("pooled")), tolerance);
            long[] topIds = align.get(2).toLongArray();
            JsonNode expectedIds = golden.get("align").get("top_ids");
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < expectedIds.get(i).size(); j++) {
                    assertThat(topIds[i * expectedIds.get(i).size() + j]).isEqualTo(expectedIds.get(i).get(j).asLong());
                }
            }
        }
    }

    private static NDList run(String file, NDArray... inputs) throws Exception {
        try (Model model = Model.newInstance(file, "OnnxRuntime");
             InputStream in = DefaultBundleGoldenTest.class.getClassLoader().getResourceAsStream(BUNDLE + file)) {
            model.load(in, Map.of());
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
                NDList out = predictor.predict(new NDList(inputs));
                // Detach the outputs into the inputs' manager so they outlive the model.
                out.attach(inputs[0].getManager());
                return out;
            }
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    private static byte[] resource(String name) throws IOException {
        return classpath(BUNDLE + name);
    }

    private static byte[] classpath(String path) throws IOException {
        try (InputStream in = DefaultBundleGoldenTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return in.readAllBytes();
        }
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    private static float[] flatten(JsonNode rows) {
        int width = rows.get(0).size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(floats(rows.get(r)), 0, out, r * width, width);
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).isLessThanOrEqualTo(tolerance);
    }
}

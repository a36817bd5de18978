package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.alignstream.world.CocoExport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default bundle's encoders come the way a user's do: a channels-last tower written in
 * Optimum's layout (optimum_layout.py: the tower behind a CLIP-style pixel_values prefix, MiniLM
 * as Optimum exports a BERT encoder) and imported with `model import` (build_bundle.sh). Here the
 * channels-last tower is recovered from the default's vision_model.onnx (default_bundle.py
 * channels-last-tower, byte for byte the 0.2 tower the manifest's built.vision names), taken
 * through optimum_layout and import again, and the result embeds images and captions as the
 * default bundle does. So the importer handles a pooled sentence encoder (mean over the mask,
 * token_type_ids) and a channels-last tower, and nothing is lost on the way.
 */
class DefaultEncodersImportTest {

    private static final String DEFAULT = "io/alignstream/bundle/default/";

    @TempDir
    static Path dir;

    /** The default bundle's encoders in Optimum's layout, imported as a user's model (shared by the tests). */
    private static Path optimum;
    private static Path bundle;

    @BeforeAll
    static void importTheDefaultEncoders() throws Exception {
        // given the channels-last tower the default's vision_model.onnx was written from, and the
        // MiniLM artifact the default bundle references
        Path visionModel = dir.resolve("default-vision_model.onnx");
        try (InputStream in = DefaultEncodersImportTest.class.getClassLoader().getResourceAsStream(DEFAULT + "vision_model.onnx")) {
            Files.copy(in, visionModel);
        }
        Path vision = dir.resolve("vision.onnx");
        TrainingPython.script("default_bundle.py", 120, "channels-last-tower", visionModel.toString(), vision.toString());
        JsonNode manifest;
        try (InputStream in = DefaultEncodersImportTest.class.getClassLoader().getResourceAsStream(DEFAULT + "manifest.json")) {
            manifest = new ObjectMapper().readTree(in);
        }
        assertThat(manifest.path("built").path("vision").asText()).as("the tower the manifest names")
                .contains("sha256 " + sha256(vision));
        URL minilm = DefaultEncodersImportTest.class.getClassLoader().getResource("all-minilm-l6-v2.onnx");
        String jar = Path.of(java.net.URI.create(minilm.getPath().substring(0, minilm.getPath().indexOf("!/")))).toString();

        // when they are written in Optimum's layout and imported as a user's model
        optimum = dir.resolve("optimum");
        TrainingPython.run("optimum_layout", 120, "--vision", vision.toString(), "--minilm-jar", jar, optimum.toString());
        bundle = dir.resolve("bundle");
        CommandRun imported = CommandRun.of("model", "import", optimum.toString(), "--out", bundle.toString(),
                "--model-id", "default-encoders", "--text-embeds", "last_hidden_state", "--text-pooling", "mean",
                "--word-embeddings", "embeddings.word_embeddings.weight", "--max-length", "128");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        // (and the conversion is the one the default bundle was built with, byte for byte)
        assertThat(sha256(optimum.resolve("vision_model.onnx")))
                .isEqualTo(manifest.path("files").path("vision_model.onnx").path("sha256").asText());
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void theDefaultEncodersImportedFromOptimumsLayoutEmbedAsTheDefaultBundleDoes() throws Exception {
        // then synthetic-world scenes and captions embed as through the default bundle
        List<float[]> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        SyntheticWorld world = new SyntheticWorld(7);
        for (int i = 0; i < 4; i++) {
            WorldSample sample = world.sample(Split.TEST, i);
            float[] pixels = new float[sample.image().pixels().length];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = sample.image().pixels()[p] & 0xFF;
            }
            images.add(pixels);
            captions.add(sample.webCaptions().get(0).text());
            captions.add(sample.longCaption().text());
        }
        try (ModelRuntime imports = ModelRuntime.open(ModelBundle.load(bundle), EngineConfig.defaults());
             ModelRuntime reference = ModelRuntime.openDefault();
             VisionTower importedVision = imports.newVisionTower();
             VisionTower referenceVision = reference.newVisionTower();
             TextTower importedText = imports.newTextTower();
             TextTower referenceText = reference.newTextTower()) {
            List<VisionEmbedding> got = importedVision.embed(images);
            List<VisionEmbedding> want = referenceVision.embed(images);
            for (int i = 0; i < images.size(); i++) {
                assertClose(got.get(i).embedding(), want.get(i).embedding());
                assertClose(got.get(i).patchTokens(), want.get(i).patchTokens());
            }
            float[][] gotText = importedText.embedAll(captions);
            float[][] wantText = referenceText.embedAll(captions);
            for (int i = 0; i < captions.size(); i++) {
                assertClose(gotText[i], wantText[i]);
            }
        }
    }

    @Test
    void alignVlmsNoiseTestReadsConnectorTokensWithTheTextHeadRebuiltInPyTorch() throws Exception {
        // given a few hundred scenes embedded through the imported encoders (MiniLM as the text head)
        Path coco = dir.resolve("coco");
        CocoExport.write(new SyntheticWorld(13), Split.TRAIN, 240, coco);
        Path data = dir.resolve("data");
        CommandRun embedded = CommandRun.of("model", "embed", "--bundle", bundle.toString(),
                "--coco-captions", coco.resolve(CocoExport.CAPTIONS).toString(),
                "--images", coco.resolve(CocoExport.IMAGES).toString(), "--out", data.toString());
        assertThat(embedded.exitCode()).as(embedded.err()).isZero();

        // when the fair robustness test runs in quick mode with the bundle's text head as the language model
        Path report = dir.resolve("noise.md");
        String output = TrainingPython.run("align_noise", 300, "--data", data.toString(),
                "--text-model", optimum.resolve("text_model.onnx").toString(), "--report", report.toString(), "--quick");

        // then the PyTorch rebuild is the text head (it reproduces the Java-computed caption embeddings),
        // and both connectors are swept over every noise level
        assertThat(output).contains("rebuilt text head against the Java-computed caption embeddings");
        String markdown = Files.readString(report);
        assertThat(markdown).contains("| ALIGN |", "| MLP |", "| MLP matched |");
        for (String sigma : List.of("| 0 |", "| 0.1 |", "| 0.3 |", "| 1 |", "| 3 |")) {
            assertThat(markdown).contains(sigma);
        }
    }

    /** Float rounding only: the prefix undoes (x - 0.5) / 0.5 on values that were bytes. */
    private static void assertClose(float[] got, float[] want) {
        assertThat(got).hasSameSizeAs(want);
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        assertThat(worst).isLessThan(1e-4);
    }
}

package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model import} against stand-in CLIP encoders in Optimum's layout (standin.py): a good
 * directory becomes a format-2 bundle with the dims it was built with; each way a user's files
 * can disagree with each other or with the runtime is refused with what the file has and the fix.
 */
class ClipImportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path optimum;
    private static Path transformersJs;
    private static Path imageInput;
    private static Path wideText;
    private static Path int32Ids;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildStandIns() {
        optimum = StandIn.build("optimum");
        transformersJs = StandIn.build("transformers-js", "--onnx-subfolder");
        imageInput = StandIn.build("image-input", "--vision-input", "image");
        wideText = StandIn.build("wide-text", "--text-embedding", "48");
        int32Ids = StandIn.build("int32-ids", "--int32-input-ids");
    }

    @Test
    void aGoodImportWritesAFormatTwoManifestWithTheDimsTheModelWasBuiltWith() throws IOException {
        // given the stand-in in Optimum's layout
        Path bundle = temp.resolve("bundle");

        // when it is imported
        ClipImport.Result result = ClipImport.run(optimum, bundle,
                ImportOptions.defaults("stand-in-clip").withVersion("0.2.0"));

        // then the manifest is format 2 with the identity given and the dims the stand-in was built with
        JsonNode m = JSON.readTree(bundle.resolve("manifest.json").toFile());
        int vocabulary = vocabularySize(optimum.resolve("tokenizer.json"));
        assertThat(m.path("format").asInt()).isEqualTo(2);
        assertThat(m.path("model_id").asText()).isEqualTo("stand-in-clip");
        assertThat(m.path("version").asText()).isEqualTo("0.2.0");
        assertThat(m.path("dims")).isEqualTo(JSON.readTree("{\"embedding\": 32, \"patch_tokens\": 17, \"patch_dim\": 64,"
                + " \"word_embedding\": 64, \"text_vocabulary\": " + vocabulary + "}"));
        assertThat(result.dims()).isEqualTo(new ClipImport.Dims(StandIn.EMBEDDING, StandIn.PATCH_TOKENS,
                StandIn.PATCH_DIM, StandIn.WORD_EMBEDDING, vocabulary, StandIn.IMAGE_SIZE, StandIn.MAX_LENGTH));
        // and the preprocessing is CLIP's, read from preprocessor_config.json
        assertThat(m.path("preprocessing")).isEqualTo(JSON.readTree("{\"image_size\": 64, \"layout\": \"NCHW\","
                + " \"channels\": \"RGB\", \"dtype\": \"float32\", \"rescale\": 0.00392156862745098,"
                + " \"mean\": [0.48145466, 0.4578275, 0.40821073], \"std\": [0.26862954, 0.26130258, 0.27577711]}"));
        // and the vision head declares whole-number shapes learned by running it, with its roles
        JsonNode vision = m.path("heads").path("vision");
        assertThat(vision).isEqualTo(JSON.readTree("{\"file\": \"vision_model.onnx\","
                + " \"inputs\": {\"pixel_values\": [\"batch\", 3, 64, 64]},"
                + " \"outputs\": {\"image_embeds\": [\"batch\", 32], \"last_hidden_state\": [\"batch\", 17, 64]},"
                + " \"roles\": {\"image\": \"pixel_values\", \"embedding\": \"image_embeds\","
                + " \"patch_tokens\": \"last_hidden_state\"}, \"normalise\": true}"));
        // and the text head takes text_embeds as it is, with the sequence axis where the token count shows
        JsonNode text = m.path("heads").path("text");
        assertThat(text).isEqualTo(JSON.readTree("{\"file\": \"text_model.onnx\", \"tokenizer\": \"tokenizer.json\","
                + " \"max_length\": 77, \"pooling\": \"none\", \"normalise\": true,"
                + " \"word_embeddings\": \"text_model.embeddings.token_embedding.weight\","
                + " \"inputs\": {\"input_ids\": [\"batch\", \"sequence\"], \"attention_mask\": [\"batch\", \"sequence\"]},"
                + " \"outputs\": {\"text_embeds\": [\"batch\", 32], \"last_hidden_state\": [\"batch\", \"sequence\", 64]},"
                + " \"roles\": {\"input_ids\": \"input_ids\", \"attention_mask\": \"attention_mask\","
                + " \"embedding\": \"text_embeds\"}}"));
        // and only those two heads, opset 17 from the files, no golden yet (the trainer adds it)
        assertThat(names(m.path("heads"))).containsExactly("vision", "text");
        assertThat(m.path("onnx_opset").asInt()).isEqualTo(17);
        assertThat(m.has("golden")).isFalse();
        // and every file is listed with the sha256 and size of what was written, identical to the source
        assertThat(names(m.path("files"))).containsExactly("vision_model.onnx", "text_model.onnx", "tokenizer.json");
        for (String file : names(m.path("files"))) {
            byte[] written = Files.readAllBytes(bundle.resolve(file));
            assertThat(written).as(file).isEqualTo(Files.readAllBytes(optimum.resolve(file)));
            assertThat(m.path("files").path(file).path("sha256").asText()).as(file).isEqualTo(ClipImport.sha256(written));
            assertThat(m.path("files").path(file).path("bytes").asLong()).as(file).isEqualTo(written.length);
        }
        // and the report says what was checked, readably
        assertThat(String.join("\n", result.checks()))
                .contains("word embeddings text_model.embeddings.token_embedding.weight [" + vocabulary + ", 64]")
                .contains("share d = 32")
                .contains("max_length 77 (rows of text_model.embeddings.position_embedding.weight)");
        assertThat(result.notes()).anySatisfy(n -> assertThat(n).contains("bicubic"));
    }

    @Test
    void theTransformersJsLayoutWithTheModelsInAnOnnxSubfolderImportsTheSame() throws IOException {
        // given the models in onnx/ and the tokenizer and preprocessor config beside it
        assertThat(transformersJs.resolve("onnx/vision_model.onnx")).isRegularFile();
        assertThat(transformersJs.resolve("vision_model.onnx")).doesNotExist();

        // when it is imported
        ClipImport.Result result = ClipImport.run(transformersJs, temp.resolve("bundle"), ImportOptions.defaults("tjs"));

        // then the bundle is flat and has the same dims
        assertThat(result.dims().embedding()).isEqualTo(StandIn.EMBEDDING);
        assertThat(result.dims().patchTokens()).isEqualTo(StandIn.PATCH_TOKENS);
        assertThat(temp.resolve("bundle/vision_model.onnx")).isRegularFile();
        assertThat(temp.resolve("bundle/text_model.onnx")).isRegularFile();
        assertThat(String.join("\n", result.checks())).contains("onnx/vision_model.onnx: input pixel_values");
    }

    @Test
    void aRenamedVisionInputIsRefusedWithTheFixAndThenImportsWithTheOption() throws IOException {
        // given a hand export whose image input is called "image"
        // when it is imported with Optimum's names
        // then the import names what the file has and the option that maps it
        assertThatThrownBy(() -> ClipImport.run(imageInput, temp.resolve("refused"), ImportOptions.defaults("hand")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).containsExactly(
                        "vision_model.onnx: no input pixel_values (the file has [image]); name it with --vision-input image"));
        assertThat(temp.resolve("refused/manifest.json")).doesNotExist();

        // when it is imported again with --vision-input image
        ClipImport.run(imageInput, temp.resolve("bundle"), ImportOptions.defaults("hand").withVisionInput("image"));

        // then the manifest maps the image role to the file's own name
        JsonNode vision = JSON.readTree(temp.resolve("bundle/manifest.json").toFile()).path("heads").path("vision");
        assertThat(vision.path("roles").path("image").asText()).isEqualTo("image");
        assertThat(names(vision.path("inputs"))).containsExactly("image");
    }

    @Test
    void imageAndTextEmbeddingsOfDifferentWidthsAreRefused() {
        // given towers whose image_embeds is 32 wide and text_embeds 48 (not one CLIP)
        // when imported, then the widths are named and nothing is written
        assertThatThrownBy(() -> ClipImport.run(wideText, temp.resolve("bundle"), ImportOptions.defaults("mixed")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).containsExactly(
                        "vision_model.onnx's image_embeds is 32 wide but text_model.onnx's text_embeds is 48; the image "
                                + "and text towers must share one embedding space (are they from the same CLIP checkpoint?)"));
        assertThat(temp.resolve("bundle/manifest.json")).doesNotExist();
    }

    @Test
    void int32TokenIdsAreRefusedBecauseTheRuntimeFeedsInt64() {
        // given a text model declaring input_ids int32
        // when imported, then the type and the fix are named
        assertThatThrownBy(() -> ClipImport.run(int32Ids, temp.resolve("bundle"), ImportOptions.defaults("ints")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).containsExactly(
                        "text_model.onnx: input_ids is int32; the runtime feeds int64 token ids (as Optimum's exports "
                                + "take them): re-export with an int64 input_ids"));
    }

    @Test
    void aTokenizerWhoseVocabularyDiffersFromTheEmbeddingRowsIsRefused() throws IOException {
        // given the stand-in with one more word in its tokenizer than rows in its word embeddings
        Path source = StandIn.copy(optimum, temp.resolve("source"));
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(source.resolve("tokenizer.json").toFile());
        int vocabulary = vocabularySize(source.resolve("tokenizer.json"));
        ((ObjectNode) tokenizer.path("model").path("vocab")).put("zebra", vocabulary);
        JSON.writeValue(source.resolve("tokenizer.json").toFile(), tokenizer);

        // when imported, then both counts are named
        assertThatThrownBy(() -> ClipImport.run(source, temp.resolve("bundle"), ImportOptions.defaults("v")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).containsExactly(
                        "tokenizer.json has " + (vocabulary + 1) + " token ids but text_model.onnx's word-embedding "
                                + "matrix text_model.embeddings.token_embedding.weight has " + vocabulary + " rows; the "
                                + "tokenizer and the text model must come from the same checkpoint"));
    }

    @Test
    void aPreprocessorCropThatDisagreesWithTheModelsInputIsRefused() throws IOException {
        // given a preprocessor config cropping to 96 for a vision model that takes 64x64
        Path source = StandIn.copy(optimum, temp.resolve("source"));
        editPreprocessor(source, p -> {
            p.putObject("crop_size").put("height", 96).put("width", 96);
            p.putObject("size").put("shortest_edge", 96);
        });

        // when imported, then both sizes are named
        assertThatThrownBy(() -> ClipImport.run(source, temp.resolve("bundle"), ImportOptions.defaults("c")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).containsExactly(
                        "vision_model.onnx takes 64x64 images but preprocessor_config.json crops to 96x96; the two "
                                + "must agree (is the preprocessor config from another checkpoint?)"));
    }

    @Test
    void aShortestEdgeResizeLargerThanTheCropIsRefusedAsNotSupportedYet() throws IOException {
        // given CLIP's usual resize-then-crop with a shortest edge above the crop
        Path source = StandIn.copy(optimum, temp.resolve("source"));
        editPreprocessor(source, p -> p.putObject("size").put("shortest_edge", 72));

        // when imported, then it is refused as not supported yet, saying why
        assertThatThrownBy(() -> ClipImport.run(source, temp.resolve("bundle"), ImportOptions.defaults("e")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains("shortest_edge 72 differs from crop_size 64").contains("not supported yet"));
    }

    @Test
    void missingFilesAndANonEmptyOutputDirectoryAreRefusedBeforeAnythingRuns() throws IOException {
        // given a directory with only the tokenizer
        Path source = Files.createDirectories(temp.resolve("source"));
        Files.copy(optimum.resolve("tokenizer.json"), source.resolve("tokenizer.json"));

        // when imported, then every missing file is named with the layout expected
        assertThatThrownBy(() -> ClipImport.run(source, temp.resolve("bundle"), ImportOptions.defaults("m")))
                .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).hasSize(3)
                        .allSatisfy(p -> assertThat(p).startsWith("no ").contains("Optimum's CLIP layout")));

        // and an output directory that holds something is never written into
        Path occupied = Files.createDirectories(temp.resolve("occupied"));
        Files.writeString(occupied.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> ClipImport.run(optimum, occupied, ImportOptions.defaults("m")))
                .isInstanceOf(ImportException.class).hasMessageContaining("exists and is not empty");
    }

    private static void editPreprocessor(Path source, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path file = source.resolve("preprocessor_config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(config);
        JSON.writeValue(file.toFile(), config);
    }

    private static int vocabularySize(Path tokenizer) throws IOException {
        return JSON.readTree(tokenizer.toFile()).path("model").path("vocab").size();
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

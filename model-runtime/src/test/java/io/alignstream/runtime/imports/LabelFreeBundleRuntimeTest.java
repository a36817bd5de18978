package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.GoldenCheck;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the label-free trainer writes is a bundle the runtime serves: its TEVI head carries the
 * trained caption adapter as output {@code caption_aligned}, and the runtime aligns, masks and
 * scores with that adapted caption q instead of the caption embedding t.
 */
class LabelFreeBundleRuntimeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path trained;

    @TempDir
    Path temp;

    @BeforeAll
    static void train() {
        trained = LabelFreeBundle.build("adapter", 600, 3);
    }

    @Test
    void aTrainedCaptionAdapterMatchesItsGoldenOutputsAndTeviAlignsAndScoresWithIt() {
        // given the trainer's bundle, whose tevi head declares caption_aligned
        ModelBundle bundle = ModelBundle.load(trained);
        assertThat(bundle.manifest().hasCaptionAdapter()).isTrue();
        GoldenOutputs golden = GoldenOutputs.of(bundle);
        List<float[]> images = golden.outputs("vision", "embedding");
        List<float[]> captions = golden.captionEmbeddings();
        try (ModelRuntime runtime = ModelRuntime.open(bundle, EngineConfig.defaults());
             TeviAligner aligner = runtime.newTeviAligner()) {
            // when the golden check runs
            List<GoldenCheck.Result> results = GoldenCheck.run(runtime);

            // then it checks caption_aligned with the other tevi outputs, and every tevi and align
            // output is PyTorch's (vision and text are not: LabelFreeBundle says why)
            assertThat(results).extracting(r -> r.head() + "." + r.output()).containsSubsequence(
                    "tevi.aligned_embedding", "tevi.sparse_codes", "tevi.mask", "tevi.caption_aligned", "align.projected_tokens");
            results.stream().filter(r -> r.head().equals("tevi") || r.head().equals("align")).forEach(r ->
                    assertThat(r.passed()).as("%s.%s: %s", r.head(), r.output(), r.agreement()).isTrue());

            // when the golden pairs are aligned, and the captions taken as queries alone
            List<TeviAlignment> aligned = aligner.align(images, captions);
            List<CaptionQuery> queries = aligner.queries(captions);

            // then each pair's query is the adapted caption: unit length, not the caption embedding,
            // and the same as the caption alone gives
            for (int i = 0; i < captions.size(); i++) {
                float[] q = aligned.get(i).query();
                assertThat(q).hasSize(LabelFreeBundle.EMBEDDING);
                assertThat(norm(q)).isCloseTo(1.0, within(1e-5));
                assertThat(Agreement.of(q, captions.get(i)).cosine()).as("cos(q, t) of caption %d", i).isLessThan(0.99);
                assertThat(Agreement.of(queries.get(i).query(), q).withinParity()).isTrue();
            }

            // and the retrieval scorer, given (q, mask(q)), gives every pair's cos(x_tevi, q) as the head does
            TeviRetrievalScorer scorer = TeviRetrievalScorer.of(bundle);
            List<SparseCode> codes = aligner.codes(images);
            double largestQueryEffect = 0;
            for (int c = 0; c < captions.size(); c++) {
                double[] scores = scorer.scores(queries.get(c).query(), queries.get(c).mask(), codes);
                float[] caption = captions.get(c);
                List<TeviAlignment> column = aligner.align(images, images.stream().map(image -> caption).toList());
                for (int j = 0; j < images.size(); j++) {
                    TeviAlignment pair = column.get(j);
                    assertThat(scores[j]).as("caption %d, image %d", c, j)
                            .isCloseTo(cosine(pair.alignedEmbedding(), pair.query()), within(1e-5));
                    largestQueryEffect = Math.max(largestQueryEffect,
                            Math.abs(scores[j] - cosine(pair.alignedEmbedding(), caption)));
                }
            }
            // (scoring with t instead would have given other cosines)
            assertThat(largestQueryEffect).isGreaterThan(1e-2);
        }
    }

    @Test
    void withoutACaptionAdapterTeviQueriesWithTheCaptionEmbeddingItself() {
        // given a bundle trained without a caption adapter (adapter_hidden=0): no caption_aligned
        ModelBundle bundle = ModelBundle.load(LabelFreeBundle.build("no-adapter", 600, 3, "adapter_hidden=0"));
        assertThat(bundle.manifest().hasCaptionAdapter()).isFalse();
        GoldenOutputs golden = GoldenOutputs.of(bundle);
        List<float[]> images = golden.outputs("vision", "embedding");
        List<float[]> captions = golden.captionEmbeddings();
        try (ModelRuntime runtime = ModelRuntime.open(bundle, EngineConfig.defaults());
             TeviAligner aligner = runtime.newTeviAligner()) {
            // when pairs are aligned and the captions taken as queries alone
            List<TeviAlignment> aligned = aligner.align(images, captions);
            List<CaptionQuery> queries = aligner.queries(captions);

            // then q is t, value for value, on both paths
            for (int i = 0; i < captions.size(); i++) {
                assertThat(aligned.get(i).query()).containsExactly(captions.get(i));
                assertThat(queries.get(i).query()).containsExactly(captions.get(i));
            }
        }
    }

    @Test
    void aCaptionAlignedOutputOfAnotherWidthThanTheEmbeddingIsRefused() throws IOException {
        // given the trained bundle with caption_aligned declared one value wider than dims.embedding
        Path copy = StandIn.copy(trained, temp.resolve("wide"));
        editManifest(copy, m -> ((ArrayNode) m.path("heads").path("tevi").path("outputs")
                .path(BundleManifest.CAPTION_ALIGNED)).set(1, LabelFreeBundle.EMBEDDING + 1));

        // then loading refuses it against dims.embedding, naming the field (the exporter leaves the
        // file's width symbolic, so only the manifest's can be checked before the first inference)
        assertThatThrownBy(() -> ModelBundle.load(copy)).isInstanceOfSatisfying(InvalidBundleException.class,
                e -> assertThat(e.problems()).containsExactly(
                        "manifest.json: heads.tevi.outputs.caption_aligned = [batch, 49] but (batch, dims.embedding) = [batch, 48]"));
    }

    @Test
    void aGoldenFileWithoutTheAdaptersOutputsIsRefusedByTheGoldenCheck() throws IOException {
        // given the trained bundle whose golden.json lost tevi.caption_aligned (and is re-listed)
        Path copy = StandIn.copy(trained, temp.resolve("no-golden"));
        ObjectNode golden = (ObjectNode) JSON.readTree(copy.resolve("golden.json").toFile());
        ((ObjectNode) golden.path("tevi")).remove(BundleManifest.CAPTION_ALIGNED);
        byte[] bytes = JSON.writeValueAsBytes(golden);
        Files.write(copy.resolve("golden.json"), bytes);
        editManifest(copy, m -> ((ObjectNode) m.path("files").path("golden.json"))
                .put("sha256", ClipImport.sha256(bytes)).put("bytes", bytes.length));

        // when it is loaded (golden.json's content is not a loader check) and golden-checked
        ModelBundle bundle = ModelBundle.load(copy);
        try (ModelRuntime runtime = ModelRuntime.open(bundle, EngineConfig.defaults())) {
            // then the check refuses to pass the adapter unchecked, and says what is missing
            assertThatThrownBy(() -> GoldenCheck.run(runtime)).isInstanceOfSatisfying(InvalidBundleException.class,
                    e -> assertThat(e.problems()).singleElement().asString()
                            .startsWith("golden.json: tevi.caption_aligned is missing")
                            .contains("heads.tevi.outputs declares caption_aligned"));
        }
    }

    private static void editManifest(Path bundle, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode manifest = (ObjectNode) JSON.readTree(bundle.resolve("manifest.json").toFile());
        edit.accept(manifest);
        JSON.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("manifest.json").toFile(), manifest);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}

package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alignstream model import} end to end, on stand-in CLIP encoders that
 * model-runtime/training/alignstream_training/standin.py writes in Optimum's layout.
 */
class ModelImportCommandTest {

    private static Path optimum;
    private static Path handExport;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildStandIns() {
        optimum = standIn("optimum");
        handExport = standIn("hand-export", "--vision-input", "image", "--text-input", "text");
    }

    @Test
    void importingAnOptimumDirectoryWritesTheBundleAndPrintsItsDims() throws IOException {
        // when the stand-in is imported from the command line
        Path bundle = temp.resolve("my-clip");
        CommandRun run = CommandRun.of("model", "import", optimum.toString(), "--out", bundle.toString(),
                "--model-id", "my-clip", "--version", "0.3.0");

        // then it exits 0, says what it checked and prints the dims the stand-in was built with
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Imported").contains("my-clip 0.3.0").contains("Checked")
                .containsPattern("embedding +32\n").containsPattern("patch_tokens +17\n")
                .containsPattern("patch_dim +64\n").containsPattern("word_embedding +64\n")
                .containsPattern("image_size +64\n").containsPattern("max_length +77\n")
                .containsPattern("onnx_opset +17\n");
        // and the bundle directory holds a format-2 manifest with the two heads and their files
        JsonNode manifest = new ObjectMapper().readTree(bundle.resolve("manifest.json").toFile());
        assertThat(manifest.path("format").asInt()).isEqualTo(2);
        assertThat(manifest.path("model_id").asText()).isEqualTo("my-clip");
        assertThat(manifest.path("dims").path("embedding").asInt()).isEqualTo(32);
        assertThat(bundle.resolve("vision_model.onnx")).isRegularFile();
        assertThat(bundle.resolve("text_model.onnx")).isRegularFile();
        assertThat(bundle.resolve("tokenizer.json")).isRegularFile();
    }

    @Test
    void aHandExportIsRefusedWithEveryProblemAndImportsOnceItsNamesAreGiven() {
        // when a hand export naming its own inputs is imported with Optimum's names
        CommandRun refused = CommandRun.of("model", "import", handExport.toString(), "--out",
                temp.resolve("refused").toString(), "--model-id", "hand");

        // then it exits 1 listing both problems with the options that fix them, and writes nothing
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("cannot import").contains("2 problem(s)")
                .contains("vision_model.onnx: no input pixel_values (the file has [image]); name it with --vision-input image")
                .contains("text_model.onnx: no input input_ids (the file has [text, attention_mask]); name it with --text-input text");
        assertThat(temp.resolve("refused/manifest.json")).doesNotExist();

        // when it is imported with --vision-input and --text-input
        CommandRun imported = CommandRun.of("model", "import", handExport.toString(), "--out",
                temp.resolve("bundle").toString(), "--model-id", "hand", "--vision-input", "image", "--text-input", "text");

        // then it succeeds
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(temp.resolve("bundle/manifest.json")).isRegularFile();
    }

    @Test
    void helpNamesTheOptionsAndFitsAnEightyColumnTerminal() {
        CommandRun run = CommandRun.of("model", "import", "--help");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Usage: alignstream model import").contains("--out").contains("--model-id")
                .contains("--vision-input").contains("--word-embeddings").contains("--max-length");
        assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    /** The stand-in encoders built into target/standin/NAME. */
    private static Path standIn(String name, String... options) {
        try {
            Path dir = TrainingPython.freshDirectory("standin/" + name);
            List<String> args = new ArrayList<>(List.of(dir.toString()));
            args.addAll(List.of(options));
            TrainingPython.run("standin", 120, args.toArray(String[]::new));
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

package io.alignstream.cli;

import io.alignstream.runtime.imports.ClipImport;
import io.alignstream.runtime.imports.ImportException;
import io.alignstream.runtime.imports.ImportOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code alignstream model import}: bring your own CLIP (issue 16). A directory in Hugging Face
 * Optimum's CLIP layout becomes a format-2 bundle with vision and text heads
 * (docs/bundle-format-2.md); the trainer adds the TEVI and AlignVLM heads and golden outputs.
 */
// No mixinStandardHelpOptions: its -V/--version would take --version, which here is the bundle's.
@Command(name = "import",
        description = {"Imports a CLIP-style model in Hugging Face Optimum's ONNX layout",
                "(vision_model.onnx, text_model.onnx, tokenizer.json,",
                "preprocessor_config.json; the .onnx files may sit in onnx/) as a",
                "format-2 bundle with vision and text heads. Checks names, shapes and",
                "types, runs each model once to learn its dimensions, and prints",
                "them. Exit code 0 when imported, 1 with the problems otherwise."})
final class ModelImportCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "DIR", description = "The model directory to import.")
    Path source;

    @Option(names = "--out", required = true, paramLabel = "BUNDLE_DIR",
            description = "New bundle directory (must not exist or be empty).")
    Path out;

    @Option(names = "--model-id", required = true, paramLabel = "ID", description = "The bundle's model_id.")
    String modelId;

    @Option(names = "--version", defaultValue = "0.1.0", paramLabel = "VERSION",
            description = "The bundle's version (default: ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--vision-input", defaultValue = "pixel_values", paramLabel = "NAME",
            description = "Image input of vision_model.onnx (default: ${DEFAULT-VALUE}).")
    String visionInput;

    @Option(names = "--image-embeds", defaultValue = "image_embeds", paramLabel = "NAME",
            description = "Its embedding output (default: ${DEFAULT-VALUE}).")
    String imageEmbeds;

    @Option(names = "--vision-tokens", defaultValue = "last_hidden_state", paramLabel = "NAME",
            description = "Its token output (default: ${DEFAULT-VALUE}).")
    String visionTokens;

    @Option(names = "--text-input", defaultValue = "input_ids", paramLabel = "NAME",
            description = "Token-id input of text_model.onnx (default: ${DEFAULT-VALUE}).")
    String textInput;

    @Option(names = "--attention-mask", defaultValue = "attention_mask", paramLabel = "NAME",
            description = "Its attention-mask input (default: ${DEFAULT-VALUE}).")
    String attentionMask;

    @Option(names = "--text-embeds", defaultValue = "text_embeds", paramLabel = "NAME",
            description = "Its embedding output (default: ${DEFAULT-VALUE}).")
    String textEmbeds;

    @Option(names = "--text-pooling", defaultValue = "none", paramLabel = "RULE",
            description = {"none when that output is [batch, d]; eos, mean or",
                    "first when it is per token (default: ${DEFAULT-VALUE})."})
    String textPooling;

    @Option(names = "--word-embeddings", paramLabel = "NAME",
            description = "Word-embedding initializer (default: found from the graph).")
    String wordEmbeddings;

    @Option(names = "--max-length", paramLabel = "N",
            description = "Longest text in tokens (default: position embeddings).")
    Integer maxLength;

    private final PrintStream stdout = System.out;

    @Override
    public Integer call() {
        ImportOptions options = new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput,
                attentionMask, textEmbeds, textPooling, wordEmbeddings, maxLength);
        ClipImport.Result result;
        try {
            result = ClipImport.run(source, out, options);
        } catch (ImportException e) {
            System.err.println("alignstream: cannot import " + source + ", " + e.problems().size() + " problem(s):");
            e.problems().forEach(p -> System.err.println("  - " + p));
            return 1;
        }
        stdout.println("Imported " + source + " as " + modelId + " " + version + " into " + result.bundle());
        stdout.println();
        stdout.println("Checked");
        result.checks().forEach(c -> stdout.println("  " + c));
        if (!result.notes().isEmpty()) {
            stdout.println();
            stdout.println("Notes");
            result.notes().forEach(n -> stdout.println("  " + n));
        }
        ClipImport.Dims d = result.dims();
        stdout.println();
        stdout.println("Dimensions");
        stdout.printf("  %-16s %d%n", "embedding", d.embedding());
        stdout.printf("  %-16s %d%n", "patch_tokens", d.patchTokens());
        stdout.printf("  %-16s %d%n", "patch_dim", d.patchDim());
        stdout.printf("  %-16s %d%n", "word_embedding", d.wordEmbedding());
        stdout.printf("  %-16s %d%n", "text_vocabulary", d.textVocabulary());
        stdout.printf("  %-16s %d%n", "image_size", d.imageSize());
        stdout.printf("  %-16s %d%n", "max_length", d.maxLength());
        stdout.printf("  %-16s %d%n", "onnx_opset", result.onnxOpset());
        stdout.println();
        stdout.println("The bundle has vision and text heads only: it embeds, and the trainer adds the");
        stdout.println("TEVI and AlignVLM heads and golden outputs before it can be served.");
        return 0;
    }
}

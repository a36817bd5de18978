package io.alignstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleLoader;
import io.alignstream.runtime.bundle.BundleSource;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.heads.GoldenCheck;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A model bundle's manifest, readably; and its verification against its own golden outputs. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Shows or verifies a model bundle (docs/model-bundle.md).",
        subcommands = {ModelCommand.Show.class, ModelCommand.Verify.class, DatasetCommand.class, ModelImportCommand.class,
                ModelEmbedCommand.class})
final class ModelCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where a bundle comes from: a directory or zip, or the default one in the jar. */
    static final class BundleOption {
        @Option(names = "--bundle", paramLabel = "PATH",
                description = "Bundle directory or zip (default: the bundle inside the jar).")
        Path bundle;

        BundleSource source() {
            return bundle == null ? BundleSource.defaultBundle() : BundleSource.open(bundle);
        }

        ModelBundle load() {
            return bundle == null ? ModelBundle.loadDefault() : ModelBundle.load(bundle);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Prints a bundle's manifest readably: identity, dimensions,",
                    "preprocessing, the text encoder (Maven coordinates), each head's",
                    "inputs and outputs, and every file with its size and SHA-256.",
                    "Reads the manifest only; `model verify` checks the files."})
    static final class Show implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        BundleOption bundle;

        private final PrintStream out = System.out;

        @Override
        public Integer call() throws Exception {
            JsonNode m;
            String where;
            try (BundleSource source = bundle.source()) {
                where = source.describe();
                byte[] json = source.read(BundleLoader.MANIFEST, 1 << 20).orElse(null);
                if (json == null) {
                    System.err.println("alignstream: " + where + ": no " + BundleLoader.MANIFEST);
                    return 1;
                }
                m = new ObjectMapper().readTree(json);
            } catch (InvalidBundleException e) {
                System.err.println("alignstream: " + e.getMessage());
                return 1;
            }
            out.println("Bundle    " + where);
            out.println("Model     " + m.path("model_id").asText() + " " + m.path("version").asText()
                    + " (format " + m.path("format").asInt(1) + ", ONNX opset " + m.path("onnx_opset").asText() + ")");
            out.println();
            out.println("Dimensions");
            m.path("dims").fields().forEachRemaining(e -> out.printf("  %-18s %s%n", e.getKey(), e.getValue().asText()));
            out.println();
            out.println("Preprocessing (vision input)");
            m.path("preprocessing").fields().forEachRemaining(e -> out.printf("  %-24s %s%n", e.getKey(), value(e.getValue())));
            out.println();
            if (m.has("text_encoder")) {
                formatOneTextEncoder(m.path("text_encoder"));
            }
            out.println("Heads");
            m.path("heads").fields().forEachRemaining(head -> {
                out.println("  " + head.getKey() + " (" + head.getValue().path("file").asText() + ")");
                head.getValue().fields().forEachRemaining(setting -> {
                    if (!List.of("file", "inputs", "outputs").contains(setting.getKey())) {
                        out.printf("    %-22s %s%n", setting.getKey(), value(setting.getValue()));
                    }
                });
                tensors("in ", head.getValue().path("inputs"));
                tensors("out", head.getValue().path("outputs"));
            });
            out.println();
            out.println("Golden outputs: " + (m.has("golden") ? m.path("golden").asText() : "none (heads not trained yet)")
                    + (m.has("world") ? "   trained on synthetic world " + m.path("world") : ""));
            out.println();
            out.println("Files");
            out.printf("  %-32s %12s  %s%n", "file", "bytes", "sha256");
            m.path("files").fields().forEachRemaining(f -> out.printf("  %-32s %,12d  %s%s%n", f.getKey(),
                    f.getValue().path("bytes").asLong(), f.getValue().path("sha256").asText(),
                    f.getValue().has("maven") ? "  (from Maven artifact " + f.getValue().path("maven").asText() + ")" : ""));
            return 0;
        }

        /** A setting as text: objects and lists in JSON, scalars as they are. */
        private static String value(JsonNode node) {
            return node.isContainerNode() ? node.toString() : node.asText();
        }

        private void formatOneTextEncoder(JsonNode text) {
            JsonNode maven = text.path("maven");
            out.println("Text encoder (format 1): " + text.path("name").asText() + " (not in the bundle)");
            out.printf("  %-18s %s:%s:%s%n", "maven", maven.path("groupId").asText(), maven.path("artifactId").asText(),
                    maven.path("version").asText());
            out.printf("  %-18s %s  sha256 %s%n", "model", text.path("model_resource").asText(),
                    text.path("model_sha256").asText());
            out.printf("  %-18s %s  sha256 %s%n", "tokenizer", text.path("tokenizer_resource").asText(),
                    text.path("tokenizer_sha256").asText());
            for (String key : List.of("pooling", "padding", "max_length", "long_captions")) {
                if (text.has(key)) {
                    out.printf("  %-18s %s%n", key, text.path(key).asText());
                }
            }
            out.println();
        }

        private void tensors(String side, JsonNode tensors) {
            tensors.fields().forEachRemaining(t -> out.printf("    %s %-18s [%s]%n", side, t.getKey(),
                    StreamSupport.stream(t.getValue().spliterator(), false).map(JsonNode::asText)
                            .collect(Collectors.joining(", "))));
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Loads a bundle (every startup check: manifest, dims, head",
                    "signatures, file sizes and SHA-256, text head), runs each head on",
                    "the bundle's golden inputs on the CPU and compares with its golden",
                    "outputs: per output the worst cosine and max |diff|, PASS or FAIL.",
                    "Exit code 0 when everything passes, 1 otherwise."})
    static final class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        BundleOption bundle;

        private final PrintStream out = System.out;

        @Override
        public Integer call() {
            ModelBundle loaded;
            try {
                loaded = bundle.load();
            } catch (InvalidBundleException e) {
                out.println("Bundle " + e.bundle() + ": FAIL, " + e.problems().size() + " problem(s):");
                e.problems().forEach(p -> out.println("  " + p));
                out.println("Verification FAILED");
                return 1;
            }
            out.println("Bundle " + loaded + ": manifest, dims, heads, sizes and SHA-256 checksums OK");
            if (!loaded.manifest().servable()) {
                out.println("Not servable yet: heads " + loaded.manifest().heads().keySet() + ", no golden outputs;"
                        + " train its TEVI and AlignVLM heads (docs/bring-your-own-model.md)");
                out.println("Verification FAILED");
                return 1;
            }
            List<GoldenCheck.Result> results;
            try (ModelRuntime runtime = ModelRuntime.open(loaded, EngineConfig.defaults().withDevice(
                    DeviceSetting.CPU))) {
                results = GoldenCheck.run(runtime);
            } catch (RuntimeException e) {
                out.println("Running the heads failed: " + e);
                out.println("Verification FAILED");
                return 1;
            }
            out.printf("Golden parity (criterion: cosine >= %s and max |diff| <= %s, worst over the golden items)%n",
                    Agreement.MIN_COSINE, Agreement.MAX_ABS_DIFF);
            out.printf("  %-26s %12s %14s  %s%n", "output", "worst cosine", "max |diff|", "result");
            for (GoldenCheck.Result r : results) {
                out.printf("  %-26s %12.7f %14.2e  %s%n", r.head() + "." + r.output(), r.agreement().cosine(),
                        r.agreement().maxAbsDiff(), r.passed() ? "PASS" : "FAIL");
            }
            long failed = results.stream().filter(r -> !r.passed()).count();
            out.println(failed == 0 ? "Verification PASSED: " + results.size() + " outputs match the golden outputs"
                    : "Verification FAILED: " + failed + " of " + results.size() + " outputs differ from the golden outputs");
            return failed == 0 ? 0 : 1;
        }
    }
}

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
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.imports.Int8Golden;
import java.util.ArrayList;
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
                ModelEmbedCommand.class, ModelCommand.Golden.class})
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
                    "Heads with an int8 file are run and checked a second time in int8",
                    "(against golden.json's int8 rows, docs/int8.md).",
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
            List<GoldenCheck.Result> results = new ArrayList<>();
            List<PrecisionSetting> precisions = new ArrayList<>(List.of(PrecisionSetting.FP32));
            if (loaded.manifest().heads().values().stream().anyMatch(h -> h.int8().isPresent())) {
                precisions.add(PrecisionSetting.INT8);
            }
            for (PrecisionSetting precision : precisions) {
                try (ModelRuntime runtime = ModelRuntime.open(loaded, EngineConfig.defaults().withDevice(
                        DeviceSetting.CPU).withPrecision(precision))) {
                    List<GoldenCheck.Result> run = GoldenCheck.run(runtime);
                    // In the int8 pass, only the int8 heads: the others were checked in the fp32 pass.
                    run.stream().filter(r -> precision == PrecisionSetting.FP32 || r.precision() == Precision.INT8)
                            .forEach(results::add);
                } catch (RuntimeException e) {
                    out.println("Running the heads in " + precision + " failed: " + e);
                    out.println("Verification FAILED");
                    return 1;
                }
            }
            out.printf("Golden parity (worst over the golden items; fp32: cosine >= %s and max |diff| <= %s against"
                            + " PyTorch; int8: cosine >= %s against the int8 golden rows, top ids %.0f%% shared)%n",
                    Agreement.MIN_COSINE, Agreement.MAX_ABS_DIFF, Agreement.INT8_MIN_COSINE,
                    100 * GoldenCheck.INT8_MIN_TOP_ID_OVERLAP);
            out.printf("  %-26s %-9s %12s %14s  %s%n", "output", "precision", "worst cosine", "max |diff|", "result");
            for (GoldenCheck.Result r : results) {
                out.printf("  %-26s %-9s %12.7f %14.2e  %s%n", r.head() + "." + r.output(), r.precision(),
                        r.agreement().cosine(), r.agreement().maxAbsDiff(), r.passed() ? "PASS" : "FAIL");
            }
            long failed = results.stream().filter(r -> !r.passed()).count();
            out.println(failed == 0 ? "Verification PASSED: " + results.size() + " outputs match the golden outputs"
                    : "Verification FAILED: " + failed + " of " + results.size() + " outputs differ from the golden outputs");
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "golden", mixinStandardHelpOptions = true,
            description = {"Writes the golden outputs of a bundle directory's int8 heads:",
                    "runs each int8 file (heads.<head>.int8, made by quantize.py) on the",
                    "golden inputs on the CPU, stores the outputs in golden.json's int8",
                    "section and updates its checksum in manifest.json (docs/int8.md).",
                    "Then `model verify` checks the int8 heads against them."})
    static final class Golden implements Callable<Integer> {
        @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "Bundle directory to update.")
        Path bundle;

        @Override
        public Integer call() {
            try {
                Int8Golden.Written written = Int8Golden.write(bundle);
                System.out.println("Wrote the int8 golden outputs of " + written.heads() + " for " + written.items()
                        + " golden items into " + bundle);
                return 0;
            } catch (InvalidBundleException e) {
                System.err.println("alignstream: " + e.getMessage());
                return 1;
            } catch (IllegalArgumentException e) {
                System.err.println("alignstream: " + e.getMessage());
                return 1;
            }
        }
    }
}

package io.alignstream.bench.precision;

import io.alignstream.ingest.CaptionedImagesOptions;
import io.alignstream.ingest.IngestException;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.engine.PrecisionSetting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream bench precision}: int8 against fp32 on held-out images and captions. */
@Command(name = "precision", mixinStandardHelpOptions = true,
        description = {"The quality cost of int8: a bundle opened in fp32, then with every",
                "int8 file it has, on the same images and captions; per head output the",
                "cosine of int8 with fp32 (mean, 1st percentile, min), and retrieval",
                "R@1/R@5, raw and TEVI, short and long captions, in both precisions.",
                "Data: synthetic scenes no head of the default bundle trained on",
                "(default), or your own with --coco-captions/--images or --jsonl."})
public final class PrecisionBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bundle", paramLabel = "PATH",
            description = "Bundle directory or zip (default: the bundle inside the jar).")
    Path bundle;

    @Option(names = "--seed", defaultValue = "7", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--first", defaultValue = "40000",
            description = "First synthetic train scene (default: ${DEFAULT-VALUE}).")
    int first;

    @Option(names = "--scenes", defaultValue = "2000",
            description = "Synthetic scenes, 1 image and 5 captions each (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Mixin
    CaptionedImagesOptions captioned;

    @Option(names = "--int8-precision", defaultValue = "int8", paramLabel = "SETTING",
            description = {"The second run's alignstream.model.precision, e.g.",
                    "int8,text=fp32 to leave one head out (default: ${DEFAULT-VALUE})."})
    String int8Precision;

    @Option(names = "--out", defaultValue = "target/bench/precision.md", paramLabel = "FILE",
            description = "Where the report is written (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (captioned.problem() != null) {
            System.err.println("alignstream: " + captioned.problem() + ", or neither (synthetic scenes)");
            return 2;
        }
        if (scenes < 1 || first < 0) {
            System.err.println("alignstream: --scenes must be at least 1 and --first at least 0");
            return 2;
        }
        PrecisionSetting setting;
        try {
            setting = PrecisionSetting.parse(int8Precision);
        } catch (IllegalArgumentException e) {
            System.err.println("alignstream: --int8-precision: " + e.getMessage());
            return 2;
        }
        BenchSource source;
        try {
            source = captioned.given() ? BenchSource.of(captioned.describe(), captioned.read())
                    : BenchSource.synthetic(seed, first, scenes);
        } catch (IngestException e) {
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        }
        ModelBundle loaded;
        try {
            loaded = bundle == null ? ModelBundle.loadDefault() : ModelBundle.load(bundle);
        } catch (InvalidBundleException e) {
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        }
        PrecisionBenchmark.Comparison comparison;
        try {
            comparison = new PrecisionBenchmark(loaded, source, line -> System.err.println("bench precision: " + line),
                    setting).run();
        } catch (IllegalArgumentException e) {
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        }
        String report = PrecisionReport.markdown(comparison, commandLine());
        System.out.print(report);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, report, StandardCharsets.UTF_8);
        System.out.println("\nReport written to " + out);
        return 0;
    }

    private String commandLine() {
        StringBuilder line = new StringBuilder("alignstream");
        // The root's arguments: the whole command line as typed, "bench precision" included.
        picocli.CommandLine root = spec.root().commandLine();
        if (root.getParseResult() != null) {
            root.getParseResult().originalArgs().forEach(arg -> line.append(' ').append(arg));
        }
        return line.toString();
    }
}

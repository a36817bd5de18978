package io.alignstream.cli;

import io.alignstream.ingest.CaptionedImagesOptions;
import io.alignstream.ingest.IngestException;
import io.alignstream.ingest.SourceImage;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.runtime.engine.EngineConfig;
import io.alignstream.runtime.engine.PrecisionSetting;
import io.alignstream.trainingdata.TrainingDataWriter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code alignstream model embed}: a user's images and captions, in the formats {@code produce}
 * reads, embedded through a bundle's own vision and text heads into the training-data directory
 * the label-free trainer reads (docs/bundle-format-2.md).
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embeds images and captions (a COCO captions file with its image",
                "folder, or JSON Lines as `produce` reads them) through a bundle's",
                "vision and text heads, and writes the training-data directory the",
                "label-free trainer reads: embeddings, captions with token ids, the",
                "text head's word embeddings, a split by image, golden inputs."})
final class ModelEmbedCommand implements Callable<Integer> {

    @Mixin
    ModelCommand.BundleOption bundle;

    @Mixin
    CaptionedImagesOptions captioned;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "Optional JSON Lines of image_id and attributes: copied for evaluation only.")
    Path labels;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New training-data directory.")
    Path out;

    @Option(names = "--patch-images", defaultValue = "4000", paramLabel = "N",
            description = "Images whose patch tokens are kept, for AlignVLM (default: ${DEFAULT-VALUE}).")
    int patchImages;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "SETTING",
            converter = BenchCommand.PrecisionConverter.class,
            description = {"Which heads run int8 (alignstream.model.precision's grammar; default: ${DEFAULT-VALUE}:",
                    "training data is embedded as the fp32 heads see it; int8 embeds it as int8 serving does)."})
    PrecisionSetting precision;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "N", description = "Seeds the split (default: ${DEFAULT-VALUE}).")
    long seed;

    private final PrintStream out0 = System.out;

    @Override
    public Integer call() throws Exception {
        if (!captioned.given() || captioned.problem() != null) {
            System.err.println("alignstream: give exactly one of --coco-captions FILE --images DIR, --jsonl FILE");
            return 2;
        }
        List<SourceImage> source;
        try {
            source = captioned.read();
        } catch (IngestException e) {
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        }
        TrainingDataWriter.Options defaults = TrainingDataWriter.Options.defaults();
        TrainingDataWriter.Options options = new TrainingDataWriter.Options(patchImages, defaults.goldenImages(),
                defaults.validation(), defaults.test(), seed);
        long started = System.nanoTime();
        try (ModelRuntime runtime = ModelRuntime.open(bundle.load(), EngineConfig.defaults().withPrecision(precision))) {
            TrainingDataWriter.Summary summary = TrainingDataWriter.write(source, labels, runtime, out, options);
            out0.printf("Embedded %d images and %d captions through %s (%s) in %.1f s into %s%n", summary.images(),
                    summary.captions(), runtime.bundle(), runtime.precisions(), (System.nanoTime() - started) / 1e9, out);
            out0.println("Split by image: " + summary.splits());
            if (!summary.skipped().isEmpty()) {
                out0.println("Skipped " + summary.skipped().size() + " unreadable image(s):");
                summary.skipped().stream().limit(20).forEach(s -> out0.println("  " + s));
            }
            if (!summary.skippedCaptions().isEmpty()) {
                out0.println("Skipped " + summary.skippedCaptions().size() + " caption(s) the service would refuse:");
                summary.skippedCaptions().stream().limit(20).forEach(s -> out0.println("  " + s));
            }
            return 0;
        } catch (IllegalArgumentException e) {    // a head asked for int8 without an int8 file
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        } catch (InvalidBundleException e) {
            System.err.println("alignstream: " + e.getMessage());
            return 1;
        }
    }
}

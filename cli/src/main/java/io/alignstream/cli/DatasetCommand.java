package io.alignstream.cli;

import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.world.CaptionEncoding;
import io.alignstream.world.CocoExport;
import io.alignstream.world.Split;
import io.alignstream.world.DatasetWriter;
import io.alignstream.world.SyntheticWorld;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Writes the synthetic world's training dataset with the runtime's own caption rule and MiniLM
 * embeddings (what {@code model-runtime/training/build_bundle.sh} trains on; docs/training.md).
 */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = {"Writes a synthetic-world training dataset (images, captions, labels and",
                "every caption's MiniLM embedding) to a folder, for model-runtime/training;",
                "with --coco, the world's train scenes as a user's data comes: a COCO",
                "captions file, PNG images and labels.jsonl (for evaluation only)."})
final class DatasetCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "OUT", description = "Folder to write.")
    Path out;

    @Option(names = "--seed", defaultValue = "7", description = "World seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train", defaultValue = "6000", description = "Training images (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--test", defaultValue = "1000", description = "Test images (default: ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--sub-captions", defaultValue = "4",
            description = "CLIPS sub-captions per image (default: ${DEFAULT-VALUE}).")
    int subCaptions;

    @Option(names = "--coco", description = "Write --train scenes as COCO captions + images (for `model embed`).")
    boolean coco;

    @Option(names = "--first", defaultValue = "0",
            description = "With --coco: the first train scene's index (default: ${DEFAULT-VALUE}).")
    int first;

    @Override
    public Integer call() throws Exception {
        if (coco) {
            CocoExport.write(new SyntheticWorld(seed), Split.TRAIN, first, train, out);
            System.out.println("Wrote " + train + " scenes to " + out.resolve(CocoExport.CAPTIONS) + ", "
                    + out.resolve(CocoExport.IMAGES) + "/ and " + out.resolve(CocoExport.LABELS));
            return 0;
        }
        // The default bundle's text head: the captions' embeddings are the ones the service computes.
        try (ModelRuntime runtime = ModelRuntime.openDefault(); TextTower text = runtime.newTextTower()) {
            new DatasetWriter(new SyntheticWorld(seed), subCaptions)
                    .write(out, train, test, new BundleCaptionEncoding(new LongCaptionEncoder(text), text.dimension()));
        }
        return 0;
    }

    /** The runtime's sub-caption rule and long-caption embedding, as the world's datasets take them. */
    private record BundleCaptionEncoding(LongCaptionEncoder captions, int dimension) implements CaptionEncoding {
        @Override
        public String subCaption(String caption, RandomGenerator random) {
            return captions.splitter().sample(caption, random);
        }

        @Override
        public String truncated(String caption) {
            return captions.splitter().truncate(caption);
        }

        @Override
        public int maxTokens() {
            return captions.splitter().maxTokens();
        }

        @Override
        public float[][] embedAll(List<String> texts) {
            return captions.embedAll(texts);
        }
    }
}

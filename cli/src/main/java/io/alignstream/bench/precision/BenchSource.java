package io.alignstream.bench.precision;

import io.alignstream.ingest.SourceCaption;
import io.alignstream.ingest.SourceImage;
import io.alignstream.world.Caption;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The images and captions both precisions are measured on: synthetic-world scenes, or a user's
 * own images read as {@code model embed} reads them.
 *
 * @param description one line for the report: where the data came from
 */
record BenchSource(String description, List<Item> items) {

    BenchSource {
        items = List.copyOf(items);
    }

    /** One image, read again by each precision's pass (only its encoded bytes are held). */
    interface ImageBytes {
        byte[] read() throws IOException;
    }

    /** An image with its captions, as the source gives them (before the caption rule). */
    record Item(String imageId, ImageBytes bytes, List<String> captions) {
        Item {
            captions = List.copyOf(captions);
        }
    }

    /**
     * Train scenes {@code first..first+count-1} of the world, each as CocoExport writes it: its
     * PNG, its web captions and its long caption. Rendered once and kept as PNG bytes (a few KB
     * each), so both passes decode exactly the same files.
     */
    static BenchSource synthetic(long seed, int first, int count) {
        SyntheticWorld world = new SyntheticWorld(seed);
        List<Item> items = new ArrayList<>(count);
        for (int index = first; index < first + count; index++) {
            WorldSample sample = world.sample(Split.TRAIN, index);
            byte[] png = sample.image().toPng();
            List<String> captions = new ArrayList<>();
            sample.webCaptions().stream().map(Caption::text).forEach(captions::add);
            captions.add(sample.longCaption().text());
            items.add(new Item(Long.toString(index + 1L), () -> png, captions));
        }
        return new BenchSource(String.format("synthetic world, seed %d, train scenes %d-%d (%,d scenes)",
                seed, first, first + count - 1, count), items);
    }

    /** A user's images as the COCO or JSON Lines reader gave them; files are read when embedded. */
    static BenchSource of(String description, List<SourceImage> images) {
        List<Item> items = images.stream()
                .map(image -> new Item(image.imageId(), () -> Files.readAllBytes(image.file()),
                        image.captions().stream().map(SourceCaption::text).toList()))
                .toList();
        return new BenchSource(description, items);
    }
}

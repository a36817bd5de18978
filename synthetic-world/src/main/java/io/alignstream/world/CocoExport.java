package io.alignstream.world;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes synthetic-world scenes as a user's data looks: a COCO captions file with an image
 * folder of PNGs, each image with its web captions and its long caption, so the default bundle
 * and the tests take the same path a user's data takes (docs/bring-your-own-model.md). The
 * scenes' attributes go to {@code labels.jsonl} beside it, for evaluation only: nothing that
 * trains reads that file.
 */
public final class CocoExport {

    /** The COCO captions file's name inside the export. */
    public static final String CAPTIONS = "captions.json";
    /** The image folder's name inside the export. */
    public static final String IMAGES = "images";
    /** One JSON object per image: {@code image_id} and the scene's attributes. */
    public static final String LABELS = "labels.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoExport() {
    }

    /** Writes scenes {@code 0..count-1} of {@code split}; see {@link #write(SyntheticWorld, Split, int, int, Path)}. */
    public static void write(SyntheticWorld world, Split split, int count, Path out) {
        write(world, split, 0, count, out);
    }

    /**
     * Writes scenes {@code first..first+count-1} of {@code split} into {@code out} (created; it
     * must not hold an export already). Image ids are {@code index + 1}, as COCO's start at 1.
     * A later range holds scenes a bundle trained on an earlier one never saw.
     */
    public static void write(SyntheticWorld world, Split split, int first, int count, Path out) {
        try {
            Path images = Files.createDirectories(out.resolve(IMAGES));
            if (Files.exists(out.resolve(CAPTIONS))) {
                throw new IOException(out.resolve(CAPTIONS) + " exists already");
            }
            ObjectNode root = JSON.createObjectNode();
            ArrayNode imageList = root.putArray("images");
            ArrayNode annotations = root.putArray("annotations");
            long annotationId = 1;
            try (Writer labels = Files.newBufferedWriter(out.resolve(LABELS), StandardCharsets.UTF_8)) {
                for (int index = first; index < first + count; index++) {
                    WorldSample sample = world.sample(split, index);
                    long imageId = index + 1L;
                    String file = String.format("%s-%06d.png", split.name().toLowerCase(java.util.Locale.ROOT), index);
                    Files.write(images.resolve(file), sample.image().toPng());
                    imageList.addObject().put("id", imageId).put("file_name", file)
                            .put("width", sample.image().width()).put("height", sample.image().height());
                    for (Caption caption : sample.webCaptions()) {
                        annotations.addObject().put("id", annotationId++).put("image_id", imageId).put("caption", caption.text());
                    }
                    annotations.addObject().put("id", annotationId++).put("image_id", imageId)
                            .put("caption", sample.longCaption().text());
                    ObjectNode label = JSON.createObjectNode().put("image_id", Long.toString(imageId));
                    sample.scene().labels().forEach(label::put);
                    labels.write(JSON.writeValueAsString(label));
                    labels.write('\n');
                }
            }
            JSON.writeValue(out.resolve(CAPTIONS).toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.alignstream.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a COCO captions file ({@code captions_*.json}): {@code images[{id, file_name, width,
 * height}]} and {@code annotations[{id, image_id, caption}]}, the image files under a directory.
 * Image ids are COCO's image ids, caption ids its annotation ids, both as text.
 */
public final class CocoCaptions {
    private CocoCaptions() {
    }

    /**
     * The images in file order, each with its captions in file order; every image file is checked
     * to exist, so that nothing is sent from a sample with a missing image.
     *
     * @param limit at most this many images (the first ones); negative for all
     * @throws IngestException for a missing file, malformed JSON, a missing field, an annotation of an
     *                         unknown image, or a missing image file
     */
    public static List<SourceImage> read(Path captionsFile, Path imageDirectory, int limit) {
        if (!Files.isDirectory(imageDirectory)) {
            throw new IngestException("Image directory " + imageDirectory + " does not exist or is not a directory");
        }
        JsonNode root = JsonInput.readTree(captionsFile, "COCO captions file");
        String file = "COCO captions file " + captionsFile;
        JsonNode images = array(root, "images", file);
        JsonNode annotations = array(root, "annotations", file);

        Map<String, ImageEntry> byId = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            JsonNode image = images.get(i);
            String where = file + ", images[" + i + "]";
            String id = JsonInput.requiredText(image, "id", where);
            String fileName = JsonInput.requiredText(image, "file_name", where);
            ImageEntry entry = new ImageEntry(id, imageDirectory.resolve(fileName),
                    JsonInput.optionalInt(image, "width", where), JsonInput.optionalInt(image, "height", where));
            if (byId.putIfAbsent(id, entry) != null) {
                throw new IngestException(where + ": image id " + id + " appears twice");
            }
        }
        for (int i = 0; i < annotations.size(); i++) {
            JsonNode annotation = annotations.get(i);
            String where = file + ", annotations[" + i + "]";
            String imageId = JsonInput.requiredText(annotation, "image_id", where);
            ImageEntry image = byId.get(imageId);
            if (image == null) {
                throw new IngestException(where + ": image_id " + imageId + " is not in \"images\"");
            }
            image.captions.add(new SourceCaption(JsonInput.requiredText(annotation, "id", where),
                    JsonInput.requiredText(annotation, "caption", where)));
        }
        List<SourceImage> result = new ArrayList<>();
        for (ImageEntry entry : byId.values()) {
            if (limit >= 0 && result.size() >= limit) {
                break;
            }
            if (!Files.isRegularFile(entry.file)) {
                throw new IngestException("Image " + entry.id + " of " + file + ": file " + entry.file
                        + " does not exist");
            }
            result.add(new SourceImage(entry.id, entry.file, entry.width, entry.height, entry.captions));
        }
        return result;
    }

    private static JsonNode array(JsonNode root, String field, String where) {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray()) {
            throw new IngestException(where + ": expected a top-level \"" + field + "\" array (COCO captions format)");
        }
        return node;
    }

    private static final class ImageEntry {
        final String id;
        final Path file;
        final Integer width;
        final Integer height;
        final List<SourceCaption> captions = new ArrayList<>();

        ImageEntry(String id, Path file, Integer width, Integer height) {
            this.id = id;
            this.file = file;
            this.width = width;
            this.height = height;
        }
    }
}

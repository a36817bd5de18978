package io.alignstream.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON Lines of {@code {"image": "path", "caption": "...", "image_id"?: "...",
 * "caption_id"?: "..."}}, image paths relative to the file. Lines of the same image become one
 * image with several captions. The image id is {@code image_id}, else the image's file name; the
 * caption id is {@code caption_id}, else the image id, a dash and the caption's index within the
 * image. Blank lines are skipped.
 */
public final class JsonLinesCaptions {
    private JsonLinesCaptions() {
    }

    /**
     * @param limit at most this many images (the first ones); negative for all
     * @throws IngestException naming the line, for malformed JSON, a missing field, a missing image
     *                         file, or an image id used for two different files
     */
    public static List<SourceImage> read(Path file, int limit) {
        JsonInput.requireFile(file, "JSON Lines file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IngestException("Cannot read JSON Lines file " + file + ": " + e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        Map<String, Entry> byId = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = "JSON Lines file " + file + ", line " + (i + 1);
            JsonNode node;
            try {
                node = JsonInput.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IngestException("Malformed JSON in " + where + ": " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new IngestException(where + ": expected a JSON object");
            }
            Path image = base.resolve(JsonInput.requiredText(node, "image", where)).normalize();
            String caption = JsonInput.requiredText(node, "caption", where);
            String imageId = JsonInput.optionalText(node, "image_id", where);
            if (imageId == null) {
                imageId = image.getFileName().toString();
            }
            Entry entry = byId.get(imageId);
            if (entry == null) {
                if (limit >= 0 && byId.size() >= limit) {
                    continue;
                }
                if (!Files.isRegularFile(image)) {
                    throw new IngestException(where + ": image file " + image + " does not exist");
                }
                entry = new Entry(imageId, image);
                byId.put(imageId, entry);
            } else if (!entry.file.equals(image)) {
                throw new IngestException(where + ": image id " + imageId + " is already used for " + entry.file);
            }
            String captionId = JsonInput.optionalText(node, "caption_id", where);
            if (captionId == null) {
                captionId = imageId + "-" + entry.captions.size();
            }
            entry.captions.add(new SourceCaption(captionId, caption));
        }
        List<SourceImage> result = new ArrayList<>();
        byId.values().forEach(entry -> result.add(new SourceImage(entry.id, entry.file, null, null, entry.captions)));
        return result;
    }

    private static final class Entry {
        final String id;
        final Path file;
        final List<SourceCaption> captions = new ArrayList<>();

        Entry(String id, Path file) {
            this.id = id;
            this.file = file;
        }
    }
}

package io.alignstream.ingest;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One image read from a captions file with its captions, before it becomes events; the file is
 * read only when the image is sent.
 *
 * @param width  declared width, or null when the captions file does not say
 * @param height declared height, or null when the captions file does not say
 */
public record SourceImage(String imageId, Path file, Integer width, Integer height, List<SourceCaption> captions) {
    public SourceImage {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(file, "file");
        captions = List.copyOf(captions);
    }
}

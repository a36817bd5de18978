package io.alignstream.ingest;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options naming a user's image-caption set, as {@code model embed} and {@code bench
 * precision} take it: a COCO captions file with its images folder, or a JSON Lines file; at most
 * {@code --limit} images. A picocli mixin, so both commands read the same set the same way.
 */
public final class CaptionedImagesOptions {

    @Option(names = "--coco-captions", paramLabel = "FILE", description = "COCO captions JSON; needs --images.")
    Path cocoCaptions;

    @Option(names = "--images", paramLabel = "DIR", description = "Folder the COCO file_name entries are relative to.")
    Path images;

    @Option(names = "--jsonl", paramLabel = "FILE",
            description = "JSON Lines: one image per line with its file and captions.")
    Path jsonLines;

    @Option(names = "--limit", defaultValue = "-1", paramLabel = "N", description = "At most N images (default: all).")
    int limit;

    /** Whether a set was named at all. */
    public boolean given() {
        return cocoCaptions != null || jsonLines != null || images != null;
    }

    /** What is wrong with the options as given (both sets, or --coco-captions without --images); null if nothing. */
    public String problem() {
        if (cocoCaptions != null && jsonLines != null || (cocoCaptions != null) != (images != null)) {
            return "give --coco-captions FILE --images DIR, or --jsonl FILE";
        }
        return null;
    }

    /** The set, read; call only when {@link #given()} and without a {@link #problem()}. */
    public List<SourceImage> read() {
        return cocoCaptions != null ? CocoCaptions.read(cocoCaptions, images, limit) : JsonLinesCaptions.read(jsonLines, limit);
    }

    /** The set in words, for reports. */
    public String describe() {
        return cocoCaptions != null ? "COCO captions " + cocoCaptions + ", images " + images : "JSON Lines " + jsonLines;
    }
}

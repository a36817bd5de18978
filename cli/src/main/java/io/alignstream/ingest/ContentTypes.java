package io.alignstream.ingest;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The MIME type of an image file, from its extension. */
public final class ContentTypes {
    private static final Map<String, String> BY_EXTENSION = Map.of(
            "png", "image/png",
            "jpg", "image/jpeg",
            "jpeg", "image/jpeg",
            "gif", "image/gif",
            "webp", "image/webp",
            "bmp", "image/bmp",
            "tif", "image/tiff",
            "tiff", "image/tiff");
    public static final String UNKNOWN = "application/octet-stream";

    private ContentTypes() {
    }

    /** {@code image/png} for {@code a.PNG}; {@value #UNKNOWN} for an extension that names no image type. */
    public static String of(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return UNKNOWN;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), UNKNOWN);
    }
}

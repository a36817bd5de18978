package io.alignstream.ingest;

import java.util.Objects;

/** One caption read from a captions file, before it becomes a {@code CaptionEvent}. */
public record SourceCaption(String captionId, String text) {
    public SourceCaption {
        Objects.requireNonNull(captionId, "captionId");
        Objects.requireNonNull(text, "text");
    }
}

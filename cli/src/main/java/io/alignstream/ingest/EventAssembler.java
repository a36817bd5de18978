package io.alignstream.ingest;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.CaptionKind;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link SourceImage} into its events: the image inline (the file's bytes) or by
 * reference (its absolute {@code file:} URI), and one caption event per caption, all stamped
 * with the time they are assembled.
 */
public final class EventAssembler {
    private final String source;
    private final CaptionKind captionKind;
    private final boolean byReference;
    private final Clock clock;

    /**
     * @param source      the image events' {@code source}, e.g. {@code coco}
     * @param captionKind the kind of every caption, e.g. {@link CaptionKind#HUMAN} for COCO
     * @param byReference send a {@code file:} URI instead of the bytes
     */
    public EventAssembler(String source, CaptionKind captionKind, boolean byReference, Clock clock) {
        this.source = source;
        this.captionKind = captionKind;
        this.byReference = byReference;
        this.clock = clock;
    }

    /** The events of {@code image}; reads its file unless sending by reference. */
    public OutgoingEvents assemble(SourceImage image) {
        Object content;
        if (byReference) {
            content = ImageReference.newBuilder().setUri(image.file().toAbsolutePath().normalize().toUri().toString())
                    .build();
        } else {
            try {
                content = InlineImage.newBuilder().setData(ByteBuffer.wrap(Files.readAllBytes(image.file()))).build();
            } catch (IOException e) {
                throw new IngestException("Cannot read image " + image.imageId() + " from " + image.file() + ": "
                        + e.getMessage(), e);
            }
        }
        var now = clock.instant();
        ImageEvent event = ImageEvent.newBuilder()
                .setImageId(image.imageId())
                .setSource(source)
                .setContentType(ContentTypes.of(image.file()))
                .setContent(content)
                .setWidth(image.width())
                .setHeight(image.height())
                .setEventTime(now)
                .setAttributes(Map.of("file", image.file().getFileName().toString()))
                .build();
        List<CaptionEvent> captions = image.captions().stream()
                .map(caption -> CaptionEvent.newBuilder()
                        .setCaptionId(caption.captionId())
                        .setImageId(image.imageId())
                        .setText(caption.text())
                        .setKind(captionKind)
                        .setLanguage("en")
                        .setEventTime(now)
                        .build())
                .toList();
        return new OutgoingEvents(event, captions);
    }
}

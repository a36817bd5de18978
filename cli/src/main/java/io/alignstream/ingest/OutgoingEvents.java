package io.alignstream.ingest;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import java.util.List;

/** One image event and its caption events, sent together, all keyed by the image id. */
public record OutgoingEvents(ImageEvent image, List<CaptionEvent> captions) {
    public OutgoingEvents {
        captions = List.copyOf(captions);
    }

    public String imageId() {
        return image.getImageId();
    }
}

package io.alignstream.topology.keying;

import io.alignstream.deadletter.RejectedRecordException;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;

/**
 * What an event must satisfy before it is worth re-keying; returns its image id or throws
 * {@link RejectedRecordException} (INVALID_EVENT). Content checks that need the model (image
 * decoding, caption length in tokens) come later, in the batch.
 */
@FunctionalInterface
public interface EventRules<V> {
    /** Longest accepted id; ids are keys, store keys and headers, not documents. */
    int MAX_ID_CHARACTERS = 512;

    String imageIdOf(V event);

    EventRules<ImageEvent> IMAGES = event -> {
        requirePresent(event, "image");
        String imageId = requireId(event.getImageId(), "imageId");
        if (event.getContent() instanceof ImageReference reference && reference.getUri().isBlank()) {
            throw invalid("image " + imageId + " has an empty reference uri");
        }
        if (event.getContent() instanceof InlineImage inline && !inline.getData().hasRemaining()) {
            throw invalid("image " + imageId + " has empty inline data");
        }
        return imageId;
    };

    EventRules<CaptionEvent> CAPTIONS = event -> {
        requirePresent(event, "caption");
        requireId(event.getCaptionId(), "captionId");
        String imageId = requireId(event.getImageId(), "imageId");
        if (event.getCaptionId().indexOf('\u0000') >= 0) {
            throw invalid("captionId contains a NUL character");
        }
        return imageId;
    };

    private static void requirePresent(Object event, String what) {
        if (event == null) {
            throw invalid("a null " + what + " event (a tombstone): alignstream does not delete through its input topics");
        }
    }

    private static String requireId(String id, String field) {
        if (id == null || id.isBlank()) {
            throw invalid(field + " is empty");
        }
        if (id.length() > MAX_ID_CHARACTERS) {
            throw invalid(field + " has " + id.length() + " characters; at most " + MAX_ID_CHARACTERS + " are accepted");
        }
        if (id.indexOf('\u0000') >= 0) {
            throw invalid(field + " contains a NUL character");
        }
        return id;
    }

    private static RejectedRecordException invalid(String message) {
        return new RejectedRecordException(DeadLetterReason.INVALID_EVENT, message);
    }
}

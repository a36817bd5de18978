package io.alignstream.demo;

import io.alignstream.events.DeadLetterReason;

/** The kinds of bad event the demo sprinkles among the good ones, with the reason each must get. */
enum BadEvent {
    UNDESERIALISABLE("an image record that is not Avro", DeadLetterReason.DESERIALIZATION_FAILED),
    EMPTY_IMAGE_ID("an image with an empty id", DeadLetterReason.INVALID_EVENT),
    TRUNCATED_PNG("an image whose PNG is cut short", DeadLetterReason.BAD_IMAGE),
    ORPHAN_CAPTION("a caption whose image never comes", DeadLetterReason.CAPTION_WITHOUT_IMAGE);

    final String description;
    final DeadLetterReason reason;

    BadEvent(String description, DeadLetterReason reason) {
        this.description = description;
        this.reason = reason;
    }
}

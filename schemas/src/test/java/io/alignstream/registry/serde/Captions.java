package io.alignstream.registry.serde;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.CaptionKind;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** Real events built from the generated classes, and their generic twins. */
final class Captions {

    static final String TOPIC = "alignstream.captions";
    static final Instant WHEN = Instant.parse("2026-01-02T03:04:05.678Z");

    private Captions() {
    }

    static CaptionEvent caption() {
        return CaptionEvent.newBuilder()
                .setCaptionId("cap-1")
                .setImageId("img-1")
                .setText("a red bicycle leaning on a stone wall")
                .setKind(CaptionKind.HUMAN)
                .setLanguage("en")
                .setEventTime(WHEN)
                .build();
    }

    static ImageEvent image() {
        return ImageEvent.newBuilder()
                .setImageId("img-1")
                .setSource("unit-test")
                .setContentType("image/png")
                .setContent(new ImageReference("file:///data/img-1.png"))
                .setWidth(640)
                .setEventTime(WHEN)
                .setAttributes(Map.of("licence", "cc-by"))
                .build();
    }

    /** The same caption as a GenericRecord of {@code schema} (timestamp as epoch millis). */
    static GenericRecord genericCaption(Schema schema) {
        GenericRecordBuilder builder = new GenericRecordBuilder(schema)
                .set("captionId", "cap-1")
                .set("imageId", "img-1")
                .set("text", "a red bicycle leaning on a stone wall")
                .set("kind", new GenericData.EnumSymbol(schema.getField("kind").schema(), "HUMAN"))
                .set("eventTime", WHEN.toEpochMilli());
        if (schema.getField("language") != null) {
            builder.set("language", "en");
        }
        if (schema.getField("moderation") != null) {
            builder.set("moderation", "approved");
        }
        return builder.build();
    }

    static GenericRecord genericCaption() {
        return genericCaption(CaptionEvent.getClassSchema());
    }
}

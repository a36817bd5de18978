package io.alignstream.fetch;

import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Image events and real image bytes for the fetch tests. */
final class Events {

    private static final SyntheticWorld WORLD = new SyntheticWorld(7);

    private Events() {
    }

    /** The PNG of one synthetic-world scene: real, decodable image bytes. */
    static byte[] png(int index) {
        return WORLD.sample(Split.TRAIN, index).image().toPng();
    }

    static ImageEvent inline(ByteBuffer data, String contentType) {
        return event(InlineImage.newBuilder().setData(data).build(), contentType);
    }

    static ImageEvent reference(String uri, String contentType) {
        return event(ImageReference.newBuilder().setUri(uri).build(), contentType);
    }

    static ImageEvent reference(String uri) {
        return reference(uri, "image/png");
    }

    private static ImageEvent event(Object content, String contentType) {
        return ImageEvent.newBuilder()
                .setImageId("img-1")
                .setSource("fetch-test")
                .setContentType(contentType)
                .setContent(content)
                .setEventTime(Instant.parse("2026-01-01T00:00:00Z"))
                .setAttributes(Map.of())
                .build();
    }
}

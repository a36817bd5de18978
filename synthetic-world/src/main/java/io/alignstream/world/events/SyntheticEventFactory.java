package io.alignstream.world.events;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.CaptionKind;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.world.Caption;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns scenes of the synthetic world into the events a producing team would send: one
 * {@link ImageEvent} (inline PNG) and its {@link CaptionEvent}s (web-like captions and the long
 * synthetic one). Ids are derived from the scene, so regenerating a scene re-sends the same
 * events, as a producer retrying would.
 */
public final class SyntheticEventFactory {
    public static final String SOURCE = "synthetic-world";

    private final SyntheticWorld world;
    private final Split split;

    public SyntheticEventFactory(SyntheticWorld world, Split split) {
        this.world = world;
        this.split = split;
    }

    /** The image event and captions of one scene, stamped with {@code eventTime}. */
    public SceneEvents scene(long index, Instant eventTime) {
        WorldSample sample = world.sample(split, index);
        String imageId = "synthetic-" + world.seed() + "-" + split.key() + "-" + index;
        ImageEvent image = ImageEvent.newBuilder()
                .setImageId(imageId)
                .setSource(SOURCE)
                .setContentType("image/png")
                .setContent(InlineImage.newBuilder().setData(ByteBuffer.wrap(sample.image().toPng())).build())
                .setWidth(SyntheticWorld.IMAGE_SIZE)
                .setHeight(SyntheticWorld.IMAGE_SIZE)
                .setEventTime(eventTime)
                .setAttributes(Map.copyOf(sample.scene().labels()))
                .build();
        List<CaptionEvent> captions = new ArrayList<>();
        for (int i = 0; i < sample.webCaptions().size(); i++) {
            captions.add(caption(imageId, imageId + "-web-" + i, sample.webCaptions().get(i), eventTime));
        }
        captions.add(caption(imageId, imageId + "-long", sample.longCaption(), eventTime));
        return new SceneEvents(image, List.copyOf(captions));
    }

    private static CaptionEvent caption(String imageId, String captionId, Caption caption, Instant eventTime) {
        return CaptionEvent.newBuilder()
                .setCaptionId(captionId)
                .setImageId(imageId)
                .setText(caption.text())
                .setKind(kindOf(caption))
                .setLanguage("en")
                .setEventTime(eventTime)
                .build();
    }

    private static CaptionKind kindOf(Caption caption) {
        return switch (caption.kind()) {
            case WEB -> CaptionKind.WEB;
            case LONG -> CaptionKind.SYNTHETIC;
            case SINGLE -> CaptionKind.OTHER;
        };
    }

    /** One scene's events. */
    public record SceneEvents(ImageEvent image, List<CaptionEvent> captions) { }
}

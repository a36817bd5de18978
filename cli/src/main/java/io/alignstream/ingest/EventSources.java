package io.alignstream.ingest;

import io.alignstream.events.CaptionKind;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** The three kinds of input the producer sends, each as a lazy sequence of {@link OutgoingEvents}. */
public final class EventSources {
    public static final String COCO_SOURCE = "coco";
    public static final String JSONL_SOURCE = "jsonl";

    private EventSources() {
    }

    /** A COCO captions file and its image directory; human captions. Checked before anything is sent. */
    public static Iterator<OutgoingEvents> coco(Path captions, Path images, int limit, boolean byReference,
                                                Clock clock) {
        return assembled(CocoCaptions.read(captions, images, limit),
                new EventAssembler(COCO_SOURCE, CaptionKind.HUMAN, byReference, clock));
    }

    /** A JSON Lines captions file. Checked before anything is sent. */
    public static Iterator<OutgoingEvents> jsonLines(Path file, int limit, boolean byReference, Clock clock) {
        return assembled(JsonLinesCaptions.read(file, limit),
                new EventAssembler(JSONL_SOURCE, CaptionKind.OTHER, byReference, clock));
    }

    /** Scenes 0..count-1 of the synthetic world with {@code seed} (test split), inline PNGs. */
    public static Iterator<OutgoingEvents> synthetic(long seed, long count, Clock clock) {
        SyntheticEventFactory factory = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public OutgoingEvents next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SyntheticEventFactory.SceneEvents scene = factory.scene(next++, clock.instant());
                return new OutgoingEvents(scene.image(), scene.captions());
            }
        };
    }

    private static Iterator<OutgoingEvents> assembled(List<SourceImage> images, EventAssembler assembler) {
        Iterator<SourceImage> it = images.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public OutgoingEvents next() {
                return assembler.assemble(it.next());
            }
        };
    }
}

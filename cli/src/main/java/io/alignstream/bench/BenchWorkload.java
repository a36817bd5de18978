package io.alignstream.bench;

import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.schemas.TopicNames;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The benchmark's input: {@code scenes} synthetic-world scenes (one inline PNG image and its
 * captions each), generated once and then either handed to the runtime directly or produced to
 * the input topics as a backlog, keyed by image id as a producing team would.
 */
public final class BenchWorkload {
    private final List<ImageEvent> images;
    private final List<CaptionEvent> captions;

    private BenchWorkload(List<ImageEvent> images, List<CaptionEvent> captions) {
        this.images = List.copyOf(images);
        this.captions = List.copyOf(captions);
    }

    /** Scenes 0..scenes-1 of the test split of the world with {@code seed}. */
    public static BenchWorkload generate(int scenes, long seed) {
        if (scenes < 1) {
            throw new IllegalArgumentException("scenes must be at least 1, not " + scenes);
        }
        SyntheticEventFactory factory = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        Instant eventTime = Instant.now();
        List<ImageEvent> images = new ArrayList<>(scenes);
        List<CaptionEvent> captions = new ArrayList<>();
        for (int i = 0; i < scenes; i++) {
            SceneEvents scene = factory.scene(i, eventTime);
            images.add(scene.image());
            captions.addAll(scene.captions());
        }
        return new BenchWorkload(images, captions);
    }

    public List<ImageEvent> images() {
        return images;
    }

    public List<CaptionEvent> captions() {
        return captions;
    }

    /** Scenes, which is also the number of AlignVLM records expected. */
    public int scenes() {
        return images.size();
    }

    /** (image, caption) pairs, which is also the number of TEVI records expected. */
    public int pairs() {
        return captions.size();
    }

    /** Average encoded image size, for the report. */
    public double meanImageBytes() {
        return images.stream().mapToInt(image -> ((io.alignstream.events.InlineImage) image.getContent())
                .getData().remaining()).average().orElse(0);
    }

    /**
     * Produces every event to the input topics of {@code topics} (each scene's image first, then
     * its captions) with the one event producer, and waits until all are acknowledged.
     */
    public void produce(String bootstrapServers, String registryUrl, TopicNames topics) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (EventProducer producer = EventProducer.builder(config, Map.of("schema.registry.url", registryUrl), topics)
                .build()) {
            int next = 0;
            for (ImageEvent image : images) {
                int first = next;
                while (next < captions.size() && captions.get(next).getImageId().equals(image.getImageId())) {
                    next++;
                }
                producer.send(image, captions.subList(first, next));
            }
            producer.flush();
        }
    }
}

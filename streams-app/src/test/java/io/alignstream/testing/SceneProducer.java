package io.alignstream.testing;

import io.alignstream.clients.produce.EventProducer;
import io.alignstream.schemas.EventTopic;
import io.alignstream.schemas.TopicNames;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Synthetic scenes to the input topics through the one event producer (each image, then its
 * captions); optionally one undeserialisable record after them.
 */
public final class SceneProducer {
    private SceneProducer() {
    }

    /** Scenes 0..count-1 of the world with {@code seed} (test split) to the input topics. */
    public static void produce(EmbeddedKafkaAndRegistry platform, TopicNames topics, long seed, int count,
                               boolean thenGarbage) {
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        try (EventProducer producer = EventProducer.builder(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
                Map.of("schema.registry.url", platform.registryUrl()), topics).build()) {
            for (int i = 0; i < count; i++) {
                SceneEvents scene = events.scene(i, Instant.now());
                producer.send(scene.image(), scene.captions());
            }
            if (thenGarbage) {
                producer.sendRaw(EventTopic.IMAGES, null, "garbage".getBytes(StandardCharsets.UTF_8));
            }
            producer.flush();
        }
    }
}

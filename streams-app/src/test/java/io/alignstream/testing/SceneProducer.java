package io.alignstream.testing;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces synthetic scenes as a producing team would: each image, then its captions, keyed by
 * image id, values in the registry's wire format; optionally one undeserialisable record after them.
 */
public final class SceneProducer {
    private SceneProducer() {
    }

    /** Scenes 0..count-1 of the world with {@code seed} (test split) to the input topics. */
    public static void produce(EmbeddedKafkaAndRegistry platform, TopicNames topics, long seed, int count,
                               boolean thenGarbage) {
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(Map.of("schema.registry.url", platform.registryUrl()), false);
            for (int i = 0; i < count; i++) {
                SceneEvents scene = events.scene(i, Instant.now());
                byte[] key = scene.image().getImageId().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topics.images(), key, serializer.serialize(topics.images(), scene.image())));
                for (CaptionEvent caption : scene.captions()) {
                    producer.send(new ProducerRecord<>(topics.captions(), key, serializer.serialize(topics.captions(), caption)));
                }
            }
            if (thenGarbage) {
                producer.send(new ProducerRecord<>(topics.images(), null, "garbage".getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}

package io.alignstream.resilience;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A seeded production plan over synthetic-world scenes (one image and five captions each: every
 * caption is one expected (image, caption) pair), in the order a producer sends them: most images
 * before their captions, a seeded share of scenes with every caption first and the image some
 * scenes later (so a caption waits in the join store, possibly across a crash).
 *
 * <p>{@link #produceInBackground} sends the plan from a thread, a scene at a time, staying at
 * most {@code aheadPairs} pairs ahead of what the service has committed, so the input keeps
 * flowing while the service is killed and restarted.
 */
final class ScenePlan {
    /** One record to send, already in the Confluent wire format. */
    record Send(String topic, byte[] key, byte[] value, int pairsAfter) { }

    private final List<Send> sends;
    private final Set<String> expectedPairs;
    private final Set<String> expectedImages;
    private final int captionsFirstScenes;

    private ScenePlan(List<Send> sends, Set<String> expectedPairs, Set<String> expectedImages, int captionsFirstScenes) {
        this.sends = sends;
        this.expectedPairs = expectedPairs;
        this.expectedImages = expectedImages;
        this.captionsFirstScenes = captionsFirstScenes;
    }

    /**
     * @param captionsFirstShare share of scenes whose captions are all sent before the image
     * @param maxImageDelayScenes how many scenes later (1 to this) such an image follows
     */
    static ScenePlan build(long seed, int scenes, double captionsFirstShare, int maxImageDelayScenes,
                           TopicNames topics, String registryUrl) {
        SplittableRandom random = new SplittableRandom(seed);
        SyntheticEventFactory factory = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(Map.of("schema.registry.url", registryUrl), false);
        List<Send> sends = new ArrayList<>();
        Set<String> pairs = new LinkedHashSet<>();
        Set<String> images = new LinkedHashSet<>();
        TreeMap<Integer, List<SceneEvents>> deferredImages = new TreeMap<>();
        Instant base = Instant.now();
        int captionsFirst = 0;
        for (int i = 0; i < scenes; i++) {
            for (SceneEvents due : removeDue(deferredImages, i)) {
                sends.add(image(due, topics, serializer, pairs.size()));
            }
            SceneEvents scene = factory.scene(i, base.plusMillis(i));
            images.add(scene.image().getImageId());
            boolean imageLater = random.nextDouble() < captionsFirstShare;
            if (!imageLater) {
                sends.add(image(scene, topics, serializer, pairs.size()));
            } else {
                captionsFirst++;
                deferredImages.computeIfAbsent(i + 1 + random.nextInt(maxImageDelayScenes), k -> new ArrayList<>())
                        .add(scene);
            }
            byte[] key = scene.image().getImageId().getBytes(StandardCharsets.UTF_8);
            for (CaptionEvent caption : scene.captions()) {
                pairs.add(pairKey(caption.getImageId(), caption.getCaptionId()));
                sends.add(new Send(topics.captions(), key, serializer.serialize(topics.captions(), caption),
                        pairs.size()));
            }
        }
        for (SceneEvents due : removeDue(deferredImages, Integer.MAX_VALUE)) {
            sends.add(image(due, topics, serializer, pairs.size()));
        }
        return new ScenePlan(List.copyOf(sends), Set.copyOf(pairs), Set.copyOf(images), captionsFirst);
    }

    private static List<SceneEvents> removeDue(TreeMap<Integer, List<SceneEvents>> deferred, int upTo) {
        List<SceneEvents> due = new ArrayList<>();
        while (!deferred.isEmpty() && deferred.firstKey() <= upTo) {
            due.addAll(deferred.pollFirstEntry().getValue());
        }
        return due;
    }

    private static Send image(SceneEvents scene, TopicNames topics, KafkaAvroSerializer serializer, int pairsAfter) {
        return new Send(topics.images(), scene.image().getImageId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topics.images(), scene.image()), pairsAfter);
    }

    static String pairKey(String imageId, String captionId) {
        return imageId + "/" + captionId;
    }

    Set<String> expectedPairs() {
        return expectedPairs;
    }

    Set<String> expectedImages() {
        return expectedImages;
    }

    int captionsFirstScenes() {
        return captionsFirstScenes;
    }

    int records() {
        return sends.size();
    }

    /** The background producer's progress and outcome. */
    static final class Production {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile long finishedAtNanos;
        Thread thread;

        boolean done() {
            return finishedAtNanos != 0;
        }
    }

    /**
     * Sends the plan from a daemon thread (idempotent producer, acks=all), never more than
     * {@code aheadPairs} pairs ahead of {@code committedPairs}; gives up (recording the failure)
     * when {@code deadlineNanos} passes.
     */
    Production produceInBackground(String bootstrapServers, IntSupplier committedPairs, int aheadPairs,
                                   long deadlineNanos) {
        Production production = new Production();
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "resilience-input-producer");
        production.thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (Send send : sends) {
                    while (send.pairsAfter() - committedPairs.getAsInt() > aheadPairs) {
                        if (System.nanoTime() > deadlineNanos) {
                            throw new IllegalStateException("the service fell behind: " + committedPairs.getAsInt()
                                    + " pairs committed, " + production.sent.get() + " records sent");
                        }
                        producer.flush();
                        Thread.sleep(20);
                    }
                    producer.send(new ProducerRecord<>(send.topic(), send.key(), send.value()), (metadata, error) -> {
                        if (error != null) {
                            production.failure.compareAndSet(null, error);
                        }
                    });
                    production.sent.incrementAndGet();
                }
                producer.flush();
            } catch (Throwable e) {
                production.failure.compareAndSet(null, e);
            } finally {
                production.finishedAtNanos = System.nanoTime();
            }
        }, "resilience-input-producer");
        production.thread.setDaemon(true);
        production.thread.start();
        return production;
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}

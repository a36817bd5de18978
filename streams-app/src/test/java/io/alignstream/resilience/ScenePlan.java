package io.alignstream.resilience;

import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.schemas.TopicNames;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.producer.ProducerConfig;

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
    /** One event to send (an image or a caption), and how many pairs are planned once it is sent. */
    record Send(ImageEvent image, CaptionEvent caption, int pairsAfter) { }

    private final List<Send> sends;
    private final Set<String> expectedPairs;
    private final Set<String> expectedImages;
    private final int captionsFirstScenes;
    private final TopicNames topics;
    private final String registryUrl;

    private ScenePlan(List<Send> sends, Set<String> expectedPairs, Set<String> expectedImages, int captionsFirstScenes,
                      TopicNames topics, String registryUrl) {
        this.sends = sends;
        this.expectedPairs = expectedPairs;
        this.expectedImages = expectedImages;
        this.captionsFirstScenes = captionsFirstScenes;
        this.topics = topics;
        this.registryUrl = registryUrl;
    }

    /**
     * @param captionsFirstShare share of scenes whose captions are all sent before the image
     * @param maxImageDelayScenes how many scenes later (1 to this) such an image follows
     */
    static ScenePlan build(long seed, int scenes, double captionsFirstShare, int maxImageDelayScenes,
                           TopicNames topics, String registryUrl) {
        SplittableRandom random = new SplittableRandom(seed);
        SyntheticEventFactory factory = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        List<Send> sends = new ArrayList<>();
        Set<String> pairs = new LinkedHashSet<>();
        Set<String> images = new LinkedHashSet<>();
        TreeMap<Integer, List<SceneEvents>> deferredImages = new TreeMap<>();
        Instant base = Instant.now();
        int captionsFirst = 0;
        for (int i = 0; i < scenes; i++) {
            for (SceneEvents due : removeDue(deferredImages, i)) {
                sends.add(new Send(due.image(), null, pairs.size()));
            }
            SceneEvents scene = factory.scene(i, base.plusMillis(i));
            images.add(scene.image().getImageId());
            boolean imageLater = random.nextDouble() < captionsFirstShare;
            if (!imageLater) {
                sends.add(new Send(scene.image(), null, pairs.size()));
            } else {
                captionsFirst++;
                deferredImages.computeIfAbsent(i + 1 + random.nextInt(maxImageDelayScenes), k -> new ArrayList<>())
                        .add(scene);
            }
            for (CaptionEvent caption : scene.captions()) {
                pairs.add(pairKey(caption.getImageId(), caption.getCaptionId()));
                sends.add(new Send(null, caption, pairs.size()));
            }
        }
        for (SceneEvents due : removeDue(deferredImages, Integer.MAX_VALUE)) {
            sends.add(new Send(due.image(), null, pairs.size()));
        }
        return new ScenePlan(List.copyOf(sends), Set.copyOf(pairs), Set.copyOf(images), captionsFirst, topics, registryUrl);
    }

    private static List<SceneEvents> removeDue(TreeMap<Integer, List<SceneEvents>> deferred, int upTo) {
        List<SceneEvents> due = new ArrayList<>();
        while (!deferred.isEmpty() && deferred.firstKey() <= upTo) {
            due.addAll(deferred.pollFirstEntry().getValue());
        }
        return due;
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
     * Sends the plan from a daemon thread through the one event producer (idempotent, acks=all),
     * never more than {@code aheadPairs} pairs ahead of {@code committedPairs}; gives up
     * (recording the failure) when {@code deadlineNanos} passes.
     */
    Production produceInBackground(String bootstrapServers, IntSupplier committedPairs, int aheadPairs,
                                   long deadlineNanos) {
        Production production = new Production();
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        production.thread = new Thread(() -> {
            try (EventProducer producer = EventProducer.builder(config, Map.of("schema.registry.url", registryUrl), topics)
                    .clientId("resilience-input-producer").build()) {
                for (Send send : sends) {
                    while (send.pairsAfter() - committedPairs.getAsInt() > aheadPairs) {
                        if (System.nanoTime() > deadlineNanos) {
                            throw new IllegalStateException("the service fell behind: " + committedPairs.getAsInt()
                                    + " pairs committed, " + production.sent.get() + " records sent");
                        }
                        producer.flush();
                        Thread.sleep(20);
                    }
                    if (send.image() != null) {
                        producer.sendImage(send.image());
                    } else {
                        producer.sendCaption(send.caption());
                    }
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

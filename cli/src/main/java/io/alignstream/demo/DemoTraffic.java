package io.alignstream.demo;

import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.schemas.EventTopic;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The demo's traffic, through the one event producer, as a producing team sends it: synthetic
 * scenes keyed by image id, every other scene's captions before its image (they wait in the
 * join), and a sprinkling of {@link BadEvent}s. What went out is noted in {@link Sent}.
 */
final class DemoTraffic implements AutoCloseable {
    /** In continuous modes, one bad event after this many scenes. */
    static final int BAD_EVENT_EVERY_SCENES = 25;

    /** What was sent: good images and pairs (with send times, for end-to-end latency) and bad events. */
    static final class Sent {
        final Map<String, ImageEvent> images = new ConcurrentHashMap<>();
        final Map<String, Long> imageSentMs = new ConcurrentHashMap<>();
        final Map<String, Long> captionSentMs = new ConcurrentHashMap<>();
        final AtomicInteger pairs = new AtomicInteger();
        final List<BadEvent> bad = new CopyOnWriteArrayList<>();

        Map<DeadLetterReason, Long> expectedReasons() {
            return bad.stream().collect(Collectors.groupingBy(b -> b.reason, () -> new EnumMap<>(DeadLetterReason.class),
                    Collectors.counting()));
        }

        /** "Produced 2 images and 10 captions, plus 4 bad events (undeserialisable, ...)". */
        String produced() {
            return "Produced " + images.size() + " images and " + pairs.get() + " captions, plus " + bad.size()
                    + " bad events (" + bad.stream().map(b -> b.name().toLowerCase(Locale.ROOT)).distinct()
                    .collect(Collectors.joining(", ")) + ")";
        }
    }

    private final EventProducer producer;
    private final SyntheticEventFactory world;
    private final Sent sent;
    private int badCount;

    DemoTraffic(DemoStack stack, SyntheticEventFactory world, Sent sent) {
        this.producer = EventProducer.builder(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG, 5), Map.of("schema.registry.url", stack.registryUrl()),
                stack.config().topicNames()).build();
        this.world = world;
        this.sent = sent;
    }

    /** Captions (pairs) a scene of {@code world} has. */
    static int pairsPerScene(SyntheticEventFactory world) {
        return world.scene(0, Instant.now()).captions().size();
    }

    /** Every scene, with each of the bad events sprinkled among them. */
    void countMode(int count) {
        BadEvent[] bad = BadEvent.values();
        int[] after = new int[bad.length];
        for (int b = 0; b < bad.length; b++) {
            after[b] = (int) ((long) (b + 1) * count / (bad.length + 1)); // spread over the run
        }
        for (int i = 0; i < count; i++) {
            for (int b = 0; b < bad.length; b++) {
                if (after[b] == i) {
                    bad(bad[b]);
                }
            }
            scene(i, i % 2 == 1);
        }
        for (int b = 0; b < bad.length; b++) {
            if (after[b] >= count) {
                bad(bad[b]);
            }
        }
        producer.flush();
    }

    /**
     * {@code scenesPerSecond} scenes until {@code duration} is over (null: no end) or
     * {@code stop} is set; every kind of bad event early on (so even a short run shows each),
     * then one every {@link #BAD_EVENT_EVERY_SCENES}.
     */
    void continuously(double scenesPerSecond, Duration duration, AtomicBoolean stop) throws InterruptedException {
        long begin = System.nanoTime();
        long end = duration == null ? Long.MAX_VALUE : begin + duration.toNanos();
        BooleanSupplier going = () -> !stop.get() && System.nanoTime() < end;
        double perSceneNanos = 1e9 / Math.max(0.01, scenesPerSecond);
        BadEvent[] kinds = BadEvent.values();
        int badSent = 0;
        long index = 0;
        while (going.getAsBoolean()) {
            scene(index, index % 2 == 1);
            index++;
            boolean early = index <= 5L * kinds.length;
            if (early ? index % 5 == 0 : index % BAD_EVENT_EVERY_SCENES == 0) {
                bad(kinds[badSent++ % kinds.length]);
            }
            long wait = begin + (long) (index * perSceneNanos) - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private void scene(long index, boolean captionsFirst) {
        SceneEvents scene = world.scene(index, Instant.now());
        String id = scene.image().getImageId();
        sent.images.put(id, scene.image());
        long now = System.currentTimeMillis();
        sent.imageSentMs.put(id, now);
        for (CaptionEvent caption : scene.captions()) {
            sent.captionSentMs.put(caption.getCaptionId(), now);
            sent.pairs.incrementAndGet();
        }
        producer.send(scene.image(), scene.captions(),
                captionsFirst ? EventProducer.Order.CAPTIONS_FIRST : EventProducer.Order.IMAGE_FIRST);
    }

    private void bad(BadEvent kind) {
        int n = ++badCount;
        SceneEvents template = world.scene(1_000_000L + n, Instant.now());
        switch (kind) {
            case UNDESERIALISABLE -> producer.sendRaw(EventTopic.IMAGES, null,
                    ("not an Avro record #" + n).getBytes(StandardCharsets.UTF_8));
            case EMPTY_IMAGE_ID -> producer.sendImage(ImageEvent.newBuilder(template.image()).setImageId("").build());
            case TRUNCATED_PNG -> {
                byte[] png = ((InlineImage) template.image().getContent()).getData().array();
                producer.sendImage(ImageEvent.newBuilder(template.image()).setImageId("demo-bad-png-" + n)
                        .setContent(InlineImage.newBuilder()
                                .setData(ByteBuffer.wrap(Arrays.copyOf(png, png.length / 2))).build())
                        .build());
            }
            case ORPHAN_CAPTION -> {
                String id = "demo-never-sent-" + n;
                producer.sendCaption(CaptionEvent.newBuilder(template.captions().get(0))
                        .setImageId(id).setCaptionId(id + "-caption").build());
            }
            default -> throw new IllegalStateException(kind.name());
        }
        sent.bad.add(kind);
    }

    @Override
    public void close() {
        producer.close();
    }
}

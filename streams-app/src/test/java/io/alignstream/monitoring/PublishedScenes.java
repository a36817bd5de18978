package io.alignstream.monitoring;

import io.alignstream.faults.TestFaults;
import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.monitoring.quality.WindowEvaluator;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.topology.TopologySettings;
import io.alignstream.events.TensorDType;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * Real published records, made once per JVM and shared by the monitoring tests: synthetic-world
 * test scenes (the world the default bundle was trained on) go through the real embedding
 * topology (the default bundle and MiniLM, in a TopologyTestDriver) and come out as the TEVI
 * and AlignVLM records the service publishes, in blocks of {@link #SCENES_PER_BLOCK} scenes:
 *
 * <ul>
 *   <li><b>healthy</b>: scenes 0..95 as produced, 3 blocks;</li>
 *   <li><b>shuffled</b>: the captions of scenes 32..95 sent again (new caption ids) with the
 *       image id of another scene of the same block (a fixed-seed permutation of the block's
 *       captions): the images are already embedded, so the service pairs each caption with the
 *       wrong image, as a producer mislabelling captions would. No AlignVLM record (the images
 *       were published before). 2 blocks;</li>
 *   <li><b>corrupted</b>: scenes 32..95 with Gaussian noise of sigma {@link #NOISE_SIGMA} on every
 *       pixel value (0..255) of the PNG, under new image and caption ids, captions unchanged:
 *       2 blocks.</li>
 * </ul>
 */
final class PublishedScenes {
    static final int SCENES_PER_BLOCK = 32;
    static final int HEALTHY_BLOCKS = 3;
    static final double NOISE_SIGMA = 80;
    private static final int DEGRADED_FROM = SCENES_PER_BLOCK;   // the degraded streams replay healthy blocks 2 and 3
    private static final int DEGRADED_BLOCKS = 2;

    /** One block's published records, in publication order. */
    record Block(List<AlignVlmEmbedding> alignVlm, List<TeviEmbedding> tevi) {
    }

    /** The real default bundle and MiniLM, opened once per JVM, and an evaluator over its TEVI scorer. */
    record Models(InferenceModels models, WindowEvaluator evaluator, SyntheticEventFactory events) {
    }

    private static Models sharedModels;
    private static PublishedScenes shared;

    final InferenceModels models;
    final WindowEvaluator evaluator;
    final SyntheticEventFactory events;
    final List<Block> healthy;
    final List<Block> shuffled;
    final List<Block> corrupted;
    final double seconds;

    static synchronized Models models() {
        if (sharedModels == null) {
            ModelRuntime runtime = ModelRuntime.openDefault();
            InferenceModels models = RuntimeInferenceModels.owning(runtime, ImageLimits.defaults(), TestFaults.defaults());
            Runtime.getRuntime().addShutdownHook(new Thread(models::close));
            sharedModels = new Models(models, new WindowEvaluator(TeviRetrievalScorer.of(runtime.bundle()), DefaultConfig.qualitySettings()),
                    new SyntheticEventFactory(new SyntheticWorld(runtime.bundle().manifest().worldSeed()), Split.TEST));
        }
        return sharedModels;
    }

    static synchronized PublishedScenes get() {
        if (shared == null) {
            shared = new PublishedScenes();
        }
        return shared;
    }

    /** The embedding topology's settings: the raw image embedding in TEVI records (the monitor needs it). */
    static TopologySettings embeddingSettings() {
        return DefaultConfig.topologySettings().toBuilder().includeRawEmbedding(true).alignVlmDtype(TensorDType.FLOAT32_LE)
                .batch(32, Duration.ofMillis(50)).captionGrace(Duration.ofMinutes(5)).build();
    }

    private PublishedScenes() {
        long start = System.nanoTime();
        Models shared = models();
        models = shared.models();
        evaluator = shared.evaluator();
        events = shared.events();
        try (MonitorHarness service = new MonitorHarness(embeddingSettings(), null, models, null, null, null)) {
            healthy = new ArrayList<>();
            for (int b = 0; b < HEALTHY_BLOCKS; b++) {
                healthy.add(embed(service, scenes(b * SCENES_PER_BLOCK), true));
            }
            shuffled = new ArrayList<>();
            corrupted = new ArrayList<>();
            for (int b = 0; b < DEGRADED_BLOCKS; b++) {
                List<SceneEvents> scenes = scenes(DEGRADED_FROM + b * SCENES_PER_BLOCK);
                shuffled.add(embed(service, shuffleCaptions(scenes, 6 + b), false));
                corrupted.add(embed(service, scenes.stream().map(PublishedScenes::corrupt).toList(), true));
            }
        }
        seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("published scenes built in %.1f s: healthy %s, shuffled %s, corrupted %s pairs per block%n",
                seconds, sizes(healthy), sizes(shuffled), sizes(corrupted));
    }

    private static List<Integer> sizes(List<Block> blocks) {
        return blocks.stream().map(b -> b.tevi().size()).toList();
    }

    List<SceneEvents> scenes(int first) {
        return scenes(events, first, SCENES_PER_BLOCK);
    }

    static List<SceneEvents> scenes(SyntheticEventFactory events, int first, int count) {
        return IntStream.range(first, first + count)
                .mapToObj(i -> events.scene(i, MonitorHarness.START.plusSeconds(i))).toList();
    }

    /** Sends the scenes (images unless already sent, then captions), runs the batches, returns what was published. */
    private static Block embed(MonitorHarness service, List<SceneEvents> scenes, boolean sendImages) {
        int captions = 0;
        for (SceneEvents scene : scenes) {
            if (sendImages) {
                service.send(scene.image());
            }
            scene.captions().forEach(service::send);
            captions += scene.captions().size();
        }
        List<AlignVlmEmbedding> alignVlm = new ArrayList<>();
        List<TeviEmbedding> tevi = new ArrayList<>();
        int expectedImages = sendImages ? scenes.size() : 0;
        for (int round = 0; round < 50 && (tevi.size() < captions || alignVlm.size() < expectedImages); round++) {
            service.advance(Duration.ofMillis(51));
            alignVlm.addAll(service.alignVlm());
            tevi.addAll(service.tevi());
        }
        if (tevi.size() != captions || alignVlm.size() != expectedImages || !service.deadLetters().isEmpty()) {
            throw new IllegalStateException("the embedding topology published " + tevi.size() + " TEVI records of "
                    + captions + " and " + alignVlm.size() + " AlignVLM of " + expectedImages);
        }
        return new Block(List.copyOf(alignVlm), List.copyOf(tevi));
    }

    /** Each caption of the block goes to another scene's image (fixed-seed derangement of the block's captions). */
    private static List<SceneEvents> shuffleCaptions(List<SceneEvents> scenes, long seed) {
        List<CaptionEvent> all = new ArrayList<>();
        List<Integer> sceneOf = new ArrayList<>();
        for (int s = 0; s < scenes.size(); s++) {
            for (CaptionEvent caption : scenes.get(s).captions()) {
                all.add(caption);
                sceneOf.add(s);
            }
        }
        // a random permutation of the captions; a caption that stayed with its own scene is swapped
        // with the next one that can take its place: no caption keeps its image
        List<Integer> order = new ArrayList<>(IntStream.range(0, all.size()).boxed().toList());
        Collections.shuffle(order, new Random(seed));
        for (int slot = 0; slot < order.size(); slot++) {
            if (sceneOf.get(order.get(slot)).equals(sceneOf.get(slot))) {
                for (int other = 1; other < order.size(); other++) {
                    int candidate = (slot + other) % order.size();
                    if (!sceneOf.get(order.get(candidate)).equals(sceneOf.get(slot))
                            && !sceneOf.get(order.get(slot)).equals(sceneOf.get(candidate))) {
                        Collections.swap(order, slot, candidate);
                        break;
                    }
                }
            }
        }
        List<List<CaptionEvent>> perScene = new ArrayList<>();
        scenes.forEach(s -> perScene.add(new ArrayList<>()));
        for (int slot = 0; slot < all.size(); slot++) {
            CaptionEvent caption = all.get(order.get(slot));
            if (sceneOf.get(order.get(slot)).equals(sceneOf.get(slot))) {
                throw new IllegalStateException("caption " + caption.getCaptionId() + " kept its image");
            }
            String imageId = scenes.get(sceneOf.get(slot)).image().getImageId();
            perScene.get(sceneOf.get(slot)).add(CaptionEvent.newBuilder(caption)
                    .setCaptionId(caption.getCaptionId() + "-shuffled").setImageId(imageId).build());
        }
        List<SceneEvents> out = new ArrayList<>();
        for (int s = 0; s < scenes.size(); s++) {
            out.add(new SceneEvents(scenes.get(s).image(), perScene.get(s)));
        }
        return out;
    }

    /** The scene with noisy pixels, under new image and caption ids (a new image to the service). */
    static SceneEvents corrupt(SceneEvents scene) {
        String imageId = scene.image().getImageId() + "-noisy";
        InlineImage inline = (InlineImage) scene.image().getContent();
        byte[] png = noisy(bytes(inline.getData()), new Random(scene.image().getImageId().hashCode()));
        ImageEvent image = ImageEvent.newBuilder(scene.image()).setImageId(imageId)
                .setContent(InlineImage.newBuilder().setData(ByteBuffer.wrap(png)).build()).build();
        Function<CaptionEvent, CaptionEvent> rename = c -> CaptionEvent.newBuilder(c)
                .setCaptionId(c.getCaptionId() + "-noisy").setImageId(imageId).build();
        return new SceneEvents(image, scene.captions().stream().map(rename).toList());
    }

    private static byte[] noisy(byte[] png, Random random) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y);
                    int r = noise((rgb >> 16) & 0xff, random);
                    int g = noise((rgb >> 8) & 0xff, random);
                    int b = noise(rgb & 0xff, random);
                    out.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(out, "png", bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int noise(int value, Random random) {
        return (int) Math.round(Math.min(255, Math.max(0, value + NOISE_SIGMA * random.nextGaussian())));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}

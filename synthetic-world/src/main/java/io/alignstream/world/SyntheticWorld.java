package io.alignstream.world;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The controlled synthetic world: a seeded, stateless generator of labelled scenes, their
 * images and their captions. Scene {@code (split, index)} is the same on every call and every
 * machine, so training, tests and the demo producer can all regenerate the same data.
 */
public final class SyntheticWorld {

    /** Images are square, this many pixels a side. */
    public static final int IMAGE_SIZE = 64;
    /** How many short web captions each image gets. */
    public static final int WEB_CAPTIONS_PER_IMAGE = 4;

    // Independent random streams per purpose, so changing caption templates never moves pixels.
    private static final long SCENE_STREAM = 1;
    private static final long CAPTION_STREAM = 2;

    private static final double SECOND_OBJECT_PROBABILITY = 0.5;
    /** Share of test scenes forced onto a held-out colour x shape pair. */
    private static final double TEST_HELD_OUT_SHARE = 0.5;

    private final long seed;
    private final SceneRenderer renderer = new SceneRenderer();
    private final CaptionWriter captionWriter = new CaptionWriter();

    public SyntheticWorld(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** Everything about one scene: labels, pixels and captions. */
    public WorldSample sample(Split split, long index) {
        Scene scene = scene(split, index);
        RandomGenerator captionRandom = random(split, index, CAPTION_STREAM);
        List<Caption> web = captionWriter.webCaptions(scene, WEB_CAPTIONS_PER_IMAGE, captionRandom);
        Caption longCaption = captionWriter.longCaption(scene, captionRandom);
        List<Caption> single = captionWriter.singleAttributeCaptions(scene, captionRandom);
        return new WorldSample(scene, renderer.render(scene), web, longCaption, single);
    }

    /** The labelled scene alone (cheap: nothing is rendered). */
    public Scene scene(Split split, long index) {
        RandomGenerator random = random(split, index, SCENE_STREAM);
        boolean forceHeldOut = split == Split.TEST && random.nextDouble() < TEST_HELD_OUT_SHARE;

        Shape shape = pick(random, Shape.values());
        Colour colour = forceHeldOut
                ? HeldOutCombinations.heldOutColourFor(shape)
                : allowedColour(random, shape);
        Size size = pick(random, Size.values());
        Position position = pick(random, Position.values());
        double radius = uniform(random, size.minRadius(), size.maxRadius());
        double centerX = position.x() + uniform(random, -4, 4);
        double centerY = position.y() + uniform(random, -4, 4);
        SceneObject primary = new SceneObject(shape, colour, centerX, centerY, radius,
                uniform(random, -0.25, 0.25), jitter(random, colour));

        Optional<SceneObject> second = Optional.empty();
        if (random.nextDouble() < SECOND_OBJECT_PROBABILITY) {
            Shape secondShape = pick(random, Shape.values());
            Colour secondColour = allowedColour(random, secondShape);
            // The corner farthest from the primary object, so the two rarely overlap.
            double cornerX = centerX < 32 ? 54 : 10;
            double cornerY = centerY < 32 ? 54 : 10;
            second = Optional.of(new SceneObject(secondShape, secondColour,
                    cornerX + uniform(random, -2, 2), cornerY + uniform(random, -2, 2),
                    uniform(random, 5.0, 6.5), uniform(random, -0.25, 0.25),
                    jitter(random, secondColour)));
        }

        Background background = pick(random, Background.values());
        int base = (int) uniform(random, 30, 100);
        int backgroundRgb = rgb(base + (int) uniform(random, -15, 15),
                base + (int) uniform(random, -15, 15), base + (int) uniform(random, -15, 15));
        int lift = (int) uniform(random, 35, 60);
        int textureRgb = rgb(base + lift + (int) uniform(random, -10, 10),
                base + lift + (int) uniform(random, -10, 10), base + lift + (int) uniform(random, -10, 10));
        return new Scene(split, index, primary, size, position, second, background, backgroundRgb,
                textureRgb, uniform(random, 7, 11), uniform(random, 0, 10), random.nextLong());
    }

    /**
     * A colour for the shape that training may see: in both splits the non-primary draws
     * avoid held-out pairs, so held-out pairs appear only as forced test primaries.
     */
    private static Colour allowedColour(RandomGenerator random, Shape shape) {
        while (true) {
            Colour colour = pick(random, Colour.values());
            if (!HeldOutCombinations.isHeldOut(shape, colour)) {
                return colour;
            }
        }
    }

    private RandomGenerator random(Split split, long index, long stream) {
        // SplitMix-style mixing of (seed, split, index, stream) into one well-spread seed.
        long mixed = seed;
        mixed = mix(mixed ^ (split.ordinal() + 1L) * 0x9E3779B97F4A7C15L);
        mixed = mix(mixed ^ index * 0xBF58476D1CE4E5B9L);
        mixed = mix(mixed ^ stream * 0x94D049BB133111EBL);
        return new SplittableRandom(mixed);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static <T> T pick(RandomGenerator random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static double uniform(RandomGenerator random, double from, double to) {
        return from + (to - from) * random.nextDouble();
    }

    private static int jitter(RandomGenerator random, Colour colour) {
        double brightness = uniform(random, 0.85, 1.08);
        return rgb((int) (colour.red() * brightness + uniform(random, -18, 18)),
                (int) (colour.green() * brightness + uniform(random, -18, 18)),
                (int) (colour.blue() * brightness + uniform(random, -18, 18)));
    }

    static int rgb(int red, int green, int blue) {
        return (clamp(red) << 16) | (clamp(green) << 8) | clamp(blue);
    }

    static int clamp(int channel) {
        return Math.max(0, Math.min(255, channel));
    }
}

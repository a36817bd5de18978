package io.alignstream.world;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Writes captions for a scene from varied templates. Attribute values always appear as their
 * canonical vocabulary word, so the words AlignVLM's connector should find are well defined;
 * everything around them varies.
 */
final class CaptionWriter {

    /** Relative frequency with which a short caption names each primary family, as in alt text. */
    private static final double[] WEB_FAMILY_WEIGHTS = {3.0, 3.0, 1.5, 1.5, 1.5};

    private static final String[] WEB_FRAMES = {
        "{a} {np}{pp}", "photo of {a} {np}{pp}", "{np}{pp}", "{np} icon{pp}", "clip art of {a} {np}{pp}",
        "{a} {np}{pp} - stock image", "my {np}{pp}", "{np}{pp} #art", "image of {a} {np}{pp}",
        "drawing: {a} {np}{pp}",
    };
    private static final String[] GENERIC_NOUNS = {"object", "shape", "thing", "figure"};

    private static final String[] OBJECT_SENTENCES = {
        "The image shows a {size} {colour} {shape}.",
        "A {size} {colour} {shape} is the main object in this picture.",
        "In this picture there is a {size} {colour} {shape}.",
        "The main subject is a {colour} {shape} of {size} size.",
        "This is a simple drawing of a {size}, {colour} {shape}.",
        "We can see a {colour} {shape}, and it is {size}.",
    };
    private static final String[] POSITION_SENTENCES = {
        "It is placed {where}.",
        "The {shape} sits {where} of the frame.",
        "You can find it {where}.",
        "The object appears {where} of the image.",
    };
    private static final String[] BACKGROUND_SENTENCES = {
        "The background has a {bg} texture.",
        "Behind the object the background shows {bgphrase}.",
        "It is drawn over a {bg} background.",
        "The backdrop is made of {bgphrase}.",
    };
    private static final String[] SECOND_SENTENCES = {
        "There is also a tiny {colour2} {shape2} in a corner.",
        "A second, tiny {colour2} {shape2} appears near one corner.",
        "In a corner, a little {colour2} {shape2} can be seen.",
    };
    private static final String[] ALONE_SENTENCES = {
        "No other object is visible.",
        "The {shape} is the only object in the image.",
        "Nothing else is in the scene.",
    };
    private static final String[] FILLER_SENTENCES = {
        "The image is slightly noisy.",
        "The colors are a little uneven.",
        "It looks like a simple synthetic illustration.",
        "The edges are soft and slightly blurred.",
    };

    List<Caption> webCaptions(Scene scene, int count, RandomGenerator random) {
        List<Caption> captions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int familyCount = random.nextDouble() < 0.45 ? 1 : 2;
            captions.add(shortCaption(scene, CaptionKind.WEB, pickFamilies(familyCount, random), random));
        }
        return captions;
    }

    /** One caption per primary family, naming that family only. */
    List<Caption> singleAttributeCaptions(Scene scene, RandomGenerator random) {
        List<Caption> captions = new ArrayList<>();
        for (AttributeFamily family : AttributeFamily.primaryFamilies()) {
            captions.add(shortCaption(scene, CaptionKind.SINGLE, EnumSet.of(family), random));
        }
        return captions;
    }

    Caption longCaption(Scene scene, RandomGenerator random) {
        Map<String, String> words = templateWords(scene, random);
        List<String> rest = new ArrayList<>();
        rest.add(fill(pick(random, POSITION_SENTENCES), words));
        rest.add(fill(pick(random, BACKGROUND_SENTENCES), words));
        rest.add(fill(pick(random, scene.second().isPresent() ? SECOND_SENTENCES : ALONE_SENTENCES), words));
        if (random.nextDouble() < 0.5) {
            rest.add(fill(pick(random, FILLER_SENTENCES), words));
        }
        // The object sentence leads; the others come in random order, as descriptions vary.
        for (int i = rest.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String swap = rest.get(i);
            rest.set(i, rest.get(j));
            rest.set(j, swap);
        }
        StringBuilder text = new StringBuilder(fill(pick(random, OBJECT_SENTENCES), words));
        for (String sentence : rest) {
            text.append(' ').append(sentence);
        }
        return new Caption(CaptionKind.LONG, text.toString(), scene.labels());
    }

    private Caption shortCaption(Scene scene, CaptionKind kind, Set<AttributeFamily> families,
                                 RandomGenerator random) {
        Map<String, String> labels = scene.labels();
        StringBuilder nounPhrase = new StringBuilder();
        if (families.contains(AttributeFamily.SIZE)) {
            nounPhrase.append(scene.size().word()).append(' ');
        }
        if (families.contains(AttributeFamily.COLOUR)) {
            nounPhrase.append(scene.primary().colour().word()).append(' ');
        }
        nounPhrase.append(families.contains(AttributeFamily.SHAPE)
                ? scene.primary().shape().word()
                : pick(random, GENERIC_NOUNS));
        StringBuilder trailing = new StringBuilder();
        if (families.contains(AttributeFamily.POSITION)) {
            trailing.append(' ').append(scene.position().phrase(random.nextInt(scene.position().phraseCount())));
        }
        if (families.contains(AttributeFamily.BACKGROUND)) {
            String bg = scene.background().word();
            trailing.append(random.nextBoolean() ? " on a " + bg + " background" : " with " + backgroundPhrase(scene.background()));
        }
        String np = nounPhrase.toString();
        String text = pick(random, WEB_FRAMES)
                .replace("{a}", article(np))
                .replace("{np}", np)
                .replace("{pp}", trailing.toString());
        Map<String, String> named = new LinkedHashMap<>();
        for (AttributeFamily family : families) {
            named.put(family.key(), labels.get(family.key()));
        }
        return new Caption(kind, text, named);
    }

    private static Set<AttributeFamily> pickFamilies(int count, RandomGenerator random) {
        AttributeFamily[] families = AttributeFamily.primaryFamilies();
        Set<AttributeFamily> chosen = EnumSet.noneOf(AttributeFamily.class);
        while (chosen.size() < count) {
            double total = 0;
            for (int i = 0; i < families.length; i++) {
                total += chosen.contains(families[i]) ? 0 : WEB_FAMILY_WEIGHTS[i];
            }
            double draw = random.nextDouble() * total;
            for (int i = 0; i < families.length; i++) {
                if (chosen.contains(families[i])) {
                    continue;
                }
                draw -= WEB_FAMILY_WEIGHTS[i];
                if (draw <= 0) {
                    chosen.add(families[i]);
                    break;
                }
            }
        }
        return chosen;
    }

    private static Map<String, String> templateWords(Scene scene, RandomGenerator random) {
        Map<String, String> words = new LinkedHashMap<>();
        words.put("{size}", scene.size().word());
        words.put("{colour}", scene.primary().colour().word());
        words.put("{shape}", scene.primary().shape().word());
        words.put("{where}", scene.position().phrase(random.nextInt(scene.position().phraseCount())));
        words.put("{bg}", scene.background().word());
        words.put("{bgphrase}", backgroundPhrase(scene.background()));
        scene.second().ifPresent(second -> {
            words.put("{colour2}", second.colour().word());
            words.put("{shape2}", second.shape().word());
        });
        return words;
    }

    /** A phrase for the texture that contains its canonical word. */
    private static String backgroundPhrase(Background background) {
        return switch (background) {
            case PLAIN -> "a plain dark color";
            case STRIPES -> "diagonal stripes";
            case DOTS -> "a pattern of dots";
            case GRID -> "a thin grid";
            case WAVES -> "gentle waves";
            case BRICKS -> "a wall of bricks";
        };
    }

    private static String fill(String template, Map<String, String> words) {
        String text = template;
        for (Map.Entry<String, String> word : words.entrySet()) {
            text = text.replace(word.getKey(), word.getValue());
        }
        return text;
    }

    private static String article(String nounPhrase) {
        return "aeiou".indexOf(nounPhrase.charAt(0)) >= 0 ? "an" : "a";
    }

    private static <T> T pick(RandomGenerator random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}

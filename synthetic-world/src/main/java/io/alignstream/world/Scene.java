package io.alignstream.world;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A labelled scene: a primary object with a size and a position, an optional tiny second object
 * in a corner (labelled by shape and colour only), and a textured background. {@code noiseSeed} fixes the pixel noise so rendering is deterministic.
 *
 * @param backgroundRgb    base colour of the background, 0xRRGGBB
 * @param textureRgb       colour of the texture strokes, 0xRRGGBB
 * @param texturePeriod    spatial period of the texture in pixels
 * @param texturePhase     phase offset of the texture in pixels
 */
public record Scene(
        Split split,
        long index,
        SceneObject primary,
        Size size,
        Position position,
        Optional<SceneObject> second,
        Background background,
        int backgroundRgb,
        int textureRgb,
        double texturePeriod,
        double texturePhase,
        long noiseSeed) {

    /** The attribute labels, keyed by {@link AttributeFamily#key()}, in family order. */
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(AttributeFamily.SHAPE.key(), primary.shape().word());
        labels.put(AttributeFamily.COLOUR.key(), primary.colour().word());
        labels.put(AttributeFamily.SIZE.key(), size.word());
        labels.put(AttributeFamily.POSITION.key(), position.word());
        labels.put(AttributeFamily.BACKGROUND.key(), background.word());
        labels.put(AttributeFamily.SECOND_SHAPE.key(),
                second.map(o -> o.shape().word()).orElse(AttributeFamily.NONE));
        labels.put(AttributeFamily.SECOND_COLOUR.key(),
                second.map(o -> o.colour().word()).orElse(AttributeFamily.NONE));
        return labels;
    }

    /** The label of one family. */
    public String label(AttributeFamily family) {
        return labels().get(family.key());
    }

    /** True when every named attribute holds for this scene: the retrieval hit rule. */
    public boolean satisfies(Map<String, String> namedAttributes) {
        Map<String, String> labels = labels();
        return namedAttributes.entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}

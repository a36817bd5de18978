package io.alignstream.world;

/**
 * The attribute families a scene is labelled with. The first five describe the primary object
 * and the background; the two "second" families describe the optional small second object.
 */
public enum AttributeFamily {
    SHAPE("shape"),
    COLOUR("colour"),
    SIZE("size"),
    POSITION("position"),
    BACKGROUND("background"),
    SECOND_SHAPE("second_shape"),
    SECOND_COLOUR("second_colour");

    /** Label value of the second-object families when a scene has only one object. */
    public static final String NONE = "none";

    private final String key;

    AttributeFamily(String key) {
        this.key = key;
    }

    /** The stable name used in dataset files and manifests. */
    public String key() {
        return key;
    }

    /** The families a probe or a short caption is about: the primary object and background. */
    public static AttributeFamily[] primaryFamilies() {
        return new AttributeFamily[] {SHAPE, COLOUR, SIZE, POSITION, BACKGROUND};
    }
}

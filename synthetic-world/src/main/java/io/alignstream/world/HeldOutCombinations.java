package io.alignstream.world;

/**
 * The colour x shape pairs that never occur in the training split, so the test split measures
 * composition rather than memory. One pair per shape and one per colour (a permutation), so
 * every single attribute value is still seen in training.
 */
public final class HeldOutCombinations {

    private HeldOutCombinations() {
    }

    /** True when this colour on this shape is held out of training. */
    public static boolean isHeldOut(Shape shape, Colour colour) {
        return colour == heldOutColourFor(shape);
    }

    /** The colour held out for a shape: colour index (3 * shape index + 2) mod 8. */
    public static Colour heldOutColourFor(Shape shape) {
        Colour[] colours = Colour.values();
        return colours[(3 * shape.ordinal() + 2) % colours.length];
    }
}

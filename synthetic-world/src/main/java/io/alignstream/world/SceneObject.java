package io.alignstream.world;

/**
 * One drawn object: its labelled shape and colour plus the jittered geometry and colour
 * actually rendered (so the same labels never yield the same pixels twice).
 *
 * @param centerX  centre in pixels
 * @param centerY  centre in pixels
 * @param radius   circumscribed radius in pixels
 * @param rotation rotation in radians (small, so a square never turns into a diamond)
 * @param rgb      the jittered fill colour, 0xRRGGBB
 */
public record SceneObject(
        Shape shape,
        Colour colour,
        double centerX,
        double centerY,
        double radius,
        double rotation,
        int rgb) {
}

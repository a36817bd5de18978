package io.alignstream.world;

/** Object sizes as a radius range in pixels on the 64x64 canvas (the jitter lies inside). */
public enum Size {
    SMALL(7.0, 9.0),
    MEDIUM(11.0, 13.0),
    LARGE(15.5, 18.0);

    private final double minRadius;
    private final double maxRadius;

    Size(double minRadius, double maxRadius) {
        this.minRadius = minRadius;
        this.maxRadius = maxRadius;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public double minRadius() {
        return minRadius;
    }

    public double maxRadius() {
        return maxRadius;
    }
}

package io.alignstream.world;

/** Object shapes. Every word is a single token of MiniLM's BERT vocabulary. */
public enum Shape {
    CIRCLE, SQUARE, TRIANGLE, STAR, CROSS, DIAMOND, HEART, MOON;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.alignstream.world;

/** Where the primary object sits: a nominal centre on the 64x64 canvas, jittered per scene. */
public enum Position {
    LEFT(18, 32, "on the left", "on the left side", "to the left"),
    RIGHT(46, 32, "on the right", "on the right side", "to the right"),
    TOP(32, 18, "at the top", "near the top", "at the top edge"),
    BOTTOM(32, 46, "at the bottom", "near the bottom", "at the bottom edge"),
    CENTER(32, 32, "in the center", "at the center", "right in the center");

    private final int x;
    private final int y;
    private final String[] phrases;

    Position(int x, int y, String... phrases) {
        this.x = x;
        this.y = y;
        this.phrases = phrases;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public int x() {
        return x;
    }

    public int y() {
        return y;
    }

    /** Caption phrasings; each contains {@link #word()} so captions name it literally. */
    public String phrase(int variant) {
        return phrases[Math.floorMod(variant, phrases.length)];
    }

    public int phraseCount() {
        return phrases.length;
    }
}

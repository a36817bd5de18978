package io.alignstream.world;

/** The background texture: a distractor the short captions mostly leave unnamed. */
public enum Background {
    PLAIN, STRIPES, DOTS, GRID, WAVES, BRICKS;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

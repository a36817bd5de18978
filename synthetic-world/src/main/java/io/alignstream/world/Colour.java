package io.alignstream.world;

/** Object colours with their nominal RGB. Every word is a single MiniLM vocabulary token. */
public enum Colour {
    RED(220, 40, 40),
    GREEN(40, 175, 60),
    BLUE(50, 85, 235),
    YELLOW(240, 220, 40),
    ORANGE(250, 140, 20),
    PURPLE(145, 50, 195),
    PINK(250, 135, 195),
    WHITE(245, 245, 245);

    private final int red;
    private final int green;
    private final int blue;

    Colour(int red, int green, int blue) {
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public int red() {
        return red;
    }

    public int green() {
        return green;
    }

    public int blue() {
        return blue;
    }
}

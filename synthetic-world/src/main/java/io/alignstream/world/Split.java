package io.alignstream.world;

/** Dataset splits. TEST alone may contain the held-out colour x shape combinations. */
public enum Split {
    TRAIN, TEST;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

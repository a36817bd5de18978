package io.alignstream.world;

/** The kinds of caption an image comes with. */
public enum CaptionKind {
    /** Short, web-like alt text naming one or two attributes. */
    WEB,
    /** Long, multi-sentence synthetic description naming every attribute (DOCCI-like). */
    LONG,
    /** A caption naming exactly one primary family: the TEVI controlled experiment's probe. */
    SINGLE;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

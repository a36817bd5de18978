package io.alignstream.text;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a caption is short or long, by the one rule the service uses everywhere (the monitor's
 * figures, its gauges, the live page, the demo): a caption is <b>long</b> when the sub-caption
 * rule ({@link SubCaptionSplitter#chunks}, CLIPS' consecutive sentences of at most
 * {@link SubCaptionSplitter#DEFAULT_MAX_TOKENS} tokens) embeds it as more than one sub-caption,
 * and short when it is one sub-caption. It is what the service already knows of every caption it
 * embeds ({@link CaptionPreparer.PreparedCaption#subCaptions()}), and it is the same split the
 * embedding itself makes: a short caption is embedded as is, a long one as the mean of its parts.
 *
 * <p>The label-free trainer's report calls a caption long when it has more than 32 tokens. The two
 * agree on every caption except one kind: a single sentence of more than 32 tokens, which the
 * splitter truncates to one 32-token sub-caption (so the service embeds it as a short caption and
 * calls it short; the trainer calls it long). {@code CaptionLengthTest} checks on the synthetic
 * world that the two agree on every caption (docs/monitoring-figures.md).
 */
public enum CaptionLength {
    /** One sub-caption: the caption fits the text head's 32-token chunk (or was cut to it). */
    SHORT,
    /** More than one sub-caption: a multi-sentence description longer than 32 tokens. */
    LONG;

    /**
     * The length of a caption embedded as {@code subCaptions} sub-captions.
     *
     * @throws IllegalArgumentException when {@code subCaptions} is below 1 (every embedded caption has one)
     */
    public static CaptionLength of(int subCaptions) {
        if (subCaptions < 1) {
            throw new IllegalArgumentException("a caption is embedded as at least one sub-caption, got " + subCaptions);
        }
        return subCaptions > 1 ? LONG : SHORT;
    }

    /** The length for a sub-caption count that may be unknown (0 or negative: recorded before it was kept). */
    public static Optional<CaptionLength> ofKnown(int subCaptions) {
        return subCaptions < 1 ? Optional.empty() : Optional.of(of(subCaptions));
    }

    /** {@code short} or {@code long}: the name in metric names, label values and JSON. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}

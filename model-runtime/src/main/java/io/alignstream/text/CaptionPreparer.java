package io.alignstream.text;

import java.text.Normalizer;
import java.util.List;

/**
 * Turns a caption as it arrives in an event into what the text tower embeds: Unicode NFC,
 * control characters replaced by spaces, whitespace collapsed, then CLIPS sub-captions
 * (consecutive whole sentences of at most {@link SubCaptionSplitter#DEFAULT_MAX_TOKENS} word
 * pieces; {@link LongCaptionEncoder} embeds a caption as the normalised mean of its chunks).
 *
 * <p>Two limits keep a hostile caption from costing unbounded work: a character limit checked
 * before any tokenisation, and a limit on the number of sub-captions (each is one pass of the
 * text encoder). Thread-safe if the splitter's token counter is.
 */
public final class CaptionPreparer {
    /** About 600 words: far above DOCCI's longest descriptions, far below a pasted document. */
    public static final int DEFAULT_MAX_CHARACTERS = 4096;
    /** Each sub-caption is one text-encoder pass; 32 chunks of 32 tokens cover the character limit. */
    public static final int DEFAULT_MAX_SUB_CAPTIONS = 32;

    private final SubCaptionSplitter splitter;
    private final int maxCharacters;
    private final int maxSubCaptions;

    public CaptionPreparer(SubCaptionSplitter splitter, int maxCharacters, int maxSubCaptions) {
        if (maxCharacters < 1 || maxSubCaptions < 1) {
            throw new IllegalArgumentException("caption limits must be at least 1, got maxCharacters="
                    + maxCharacters + ", maxSubCaptions=" + maxSubCaptions);
        }
        this.splitter = splitter;
        this.maxCharacters = maxCharacters;
        this.maxSubCaptions = maxSubCaptions;
    }

    public CaptionPreparer(SubCaptionSplitter splitter) {
        this(splitter, DEFAULT_MAX_CHARACTERS, DEFAULT_MAX_SUB_CAPTIONS);
    }

    /** A caption ready to embed: its cleaned text and the sub-captions it is embedded as. */
    public record PreparedCaption(String text, List<String> subCaptions) {
        /** Short (one sub-caption) or long (more): {@link CaptionLength}. */
        public CaptionLength length() {
            return CaptionLength.of(subCaptions.size());
        }
    }

    public PreparedCaption prepare(String raw) throws CaptionRejectedException {
        if (raw == null) {
            throw new CaptionRejectedException(CaptionRejectedException.Reason.EMPTY, "caption text is missing");
        }
        if (raw.length() > maxCharacters) {
            throw new CaptionRejectedException(CaptionRejectedException.Reason.TOO_LONG, "caption has "
                    + raw.length() + " characters, more than the limit of " + maxCharacters);
        }
        String text = clean(raw);
        if (text.isEmpty()) {
            throw new CaptionRejectedException(CaptionRejectedException.Reason.EMPTY,
                    "caption text is empty after removing whitespace and control characters");
        }
        List<String> subCaptions = splitter.chunks(text);
        if (subCaptions.isEmpty()) {
            throw new CaptionRejectedException(CaptionRejectedException.Reason.EMPTY, "caption has no words to embed");
        }
        if (subCaptions.size() > maxSubCaptions) {
            throw new CaptionRejectedException(CaptionRejectedException.Reason.TOO_LONG, "caption splits into "
                    + subCaptions.size() + " sub-captions of at most " + splitter.maxTokens()
                    + " tokens, more than the limit of " + maxSubCaptions);
        }
        return new PreparedCaption(text, subCaptions);
    }

    /** NFC, control and format characters to spaces, runs of whitespace to one space, trimmed. */
    static String clean(String raw) {
        String nfc = Normalizer.normalize(raw, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(nfc.length());
        boolean pendingSpace = false;
        for (int i = 0; i < nfc.length(); ) {
            int cp = nfc.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            boolean blank = Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                    || type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE;
            if (blank) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }
}

package io.alignstream.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Feeds long captions to a short-context text encoder the CLIPS way: sentences, kept in their
 * original order, packed or sampled up to about {@code maxTokens} tokens (CLIPS found 32 best).
 */
public final class SubCaptionSplitter {

    /** CLIPS's best sub-caption length, in tokens. */
    public static final int DEFAULT_MAX_TOKENS = 32;

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    private final TokenCounter tokens;
    private final int maxTokens;

    public SubCaptionSplitter(TokenCounter tokens, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive");
        }
        this.tokens = tokens;
        this.maxTokens = maxTokens;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The sentences of a text, in order, trimmed, empty ones dropped. */
    public static List<String> sentences(String text) {
        return Arrays.stream(SENTENCE_END.split(text.strip()))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * Consecutive sentences packed greedily into chunks of at most {@code maxTokens} tokens,
     * covering the whole text (a sentence longer than the limit becomes its own, truncated
     * chunk). A long caption's embedding is the normalised mean of its chunks' embeddings.
     */
    public List<String> chunks(String text) {
        List<String> chunks = new ArrayList<>();
        String current = "";
        for (String sentence : sentences(text)) {
            String joined = current.isEmpty() ? sentence : current + " " + sentence;
            if (tokens.count(joined) <= maxTokens) {
                current = joined;
            } else {
                if (!current.isEmpty()) {
                    chunks.add(current);
                }
                current = truncate(sentence);
            }
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    /**
     * A CLIPS sub-caption: a random non-empty subset of the sentences, in their original
     * order, concatenated and truncated to {@code maxTokens} tokens.
     */
    public String sample(String text, RandomGenerator random) {
        List<String> sentences = sentences(text);
        if (sentences.isEmpty()) {
            return "";
        }
        int count = 1 + random.nextInt(sentences.size());
        boolean[] chosen = new boolean[sentences.size()];
        for (int picked = 0; picked < count; ) {
            int index = random.nextInt(sentences.size());
            if (!chosen[index]) {
                chosen[index] = true;
                picked++;
            }
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            if (chosen[i]) {
                kept.add(sentences.get(i));
            }
        }
        return truncate(String.join(" ", kept));
    }

    /**
     * The longest prefix of whole words with at most {@code maxTokens} tokens; a first word
     * longer than that on its own (a caption in a script without spaces, a long URL) is kept
     * whole, for the text head's tokenizer to truncate to its context: an empty chunk would
     * leave a non-blank caption with nothing to embed.
     */
    public String truncate(String text) {
        String stripped = text.strip();
        if (tokens.count(stripped) <= maxTokens) {
            return stripped;
        }
        String[] words = stripped.split("\\s+");
        StringBuilder kept = new StringBuilder();
        for (String word : words) {
            String candidate = kept.length() == 0 ? word : kept + " " + word;
            if (tokens.count(candidate) > maxTokens && kept.length() > 0) {
                break;
            }
            kept.setLength(0);
            kept.append(candidate);
            if (tokens.count(candidate) > maxTokens) {
                break;    // the first word alone was over the limit
            }
        }
        return kept.toString();
    }
}

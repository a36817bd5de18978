package io.alignstream.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * MiniLM's WordPiece vocabulary, id to word piece, read from the tokenizer file's
 * {@code model.vocab} map. AlignVLM's {@code top_ids} index into it.
 */
public final class TokenizerVocabulary {

    private final String[] words;

    private TokenizerVocabulary(String[] words) {
        this.words = words;
    }

    /** Parses a HuggingFace tokenizer.json; ids must be dense 0..n-1. */
    static TokenizerVocabulary parse(byte[] tokenizerJson) throws IOException {
        JsonNode vocab = new ObjectMapper().readTree(tokenizerJson).path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException("no model.vocab object");
        }
        String[] words = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int id = entry.getValue().asInt(-1);
            if (id < 0 || id >= words.length || words[id] != null) {
                throw new IOException("model.vocab id " + entry.getValue() + " of '" + entry.getKey()
                        + "' is not a unique id below " + words.length);
            }
            words[id] = entry.getKey();
        }
        return new TokenizerVocabulary(words);
    }

    public int size() {
        return words.length;
    }

    /** The word piece with this id ({@code "##ing"} for a continuation piece). */
    public String word(long id) {
        if (id < 0 || id >= words.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + words.length);
        }
        return words[(int) id];
    }
}

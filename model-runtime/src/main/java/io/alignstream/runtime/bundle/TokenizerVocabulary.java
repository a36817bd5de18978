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

    /**
     * Parses a Hugging Face tokenizer.json: {@code model.vocab} as an object of token -> id
     * (WordPiece, BPE, WordLevel) or a list of [piece, score] by id (Unigram), plus
     * {@code added_tokens}. The size is the largest id + 1, as the text model's embedding rows
     * count them; an id no entry names reads as {@code [id N]}.
     */
    static TokenizerVocabulary parse(byte[] tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson);
        JsonNode vocab = root.path("model").path("vocab");
        Map<Integer, String> byId = new java.util.HashMap<>();
        if (vocab.isObject() && !vocab.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                put(byId, entry.getValue().asInt(-1), entry.getKey());
            }
        } else if (vocab.isArray() && !vocab.isEmpty()) {
            for (int id = 0; id < vocab.size(); id++) {
                put(byId, id, vocab.get(id).path(0).asText());
            }
        } else {
            throw new IOException("no model.vocab object or list");
        }
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.path("id").asInt(-1);
            if (id < 0 || id >= MAX_SIZE) {
                throw new IOException("added_tokens id " + added.path("id") + " is not an id below " + MAX_SIZE);
            }
            byId.putIfAbsent(id, added.path("content").asText());
        }
        String[] words = new String[byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        byId.forEach((id, word) -> words[id] = word);
        return new TokenizerVocabulary(words);
    }

    /** Larger than any real vocabulary (Gemma's is 256k): an id beyond it is a broken file. */
    private static final int MAX_SIZE = 1 << 22;

    private static void put(Map<Integer, String> byId, int id, String word) throws IOException {
        if (id < 0 || id >= MAX_SIZE) {
            throw new IOException("model.vocab id " + id + " of '" + word + "' is not an id below " + MAX_SIZE);
        }
        if (byId.put(id, word) != null) {
            throw new IOException("model.vocab id " + id + " is given twice");
        }
    }

    public int size() {
        return words.length;
    }

    /** The word piece with this id ({@code "##ing"} for a continuation piece). */
    public String word(long id) {
        if (id < 0 || id >= words.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + words.length);
        }
        String word = words[(int) id];
        return word != null ? word : "[id " + id + "]";
    }
}

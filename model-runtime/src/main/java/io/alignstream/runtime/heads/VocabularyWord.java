package io.alignstream.runtime.heads;

/**
 * One of AlignVLM's most probable words for an image.
 *
 * @param id     MiniLM WordPiece id
 * @param word   the word piece ("##s" for a continuation)
 * @param weight its probability in the token-averaged distribution P
 */
public record VocabularyWord(long id, String word, float weight) {
}

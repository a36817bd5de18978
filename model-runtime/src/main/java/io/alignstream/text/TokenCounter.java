package io.alignstream.text;

/** Counts a text's word-piece tokens, special tokens excluded. */
@FunctionalInterface
public interface TokenCounter {
    int count(String text);
}

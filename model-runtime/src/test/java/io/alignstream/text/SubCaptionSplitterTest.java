package io.alignstream.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubCaptionSplitterTest {

    /** Whitespace words stand in for word pieces, so these tests need no model. */
    private static final TokenCounter WORDS = text -> text.isBlank() ? 0 : text.strip().split("\\s+").length;

    private final String longCaption = new SyntheticWorld(7).sample(Split.TRAIN, 5).longCaption().text();

    @Test
    void sentencesKeepTheirOrderAndText() {
        // when a long caption is split
        List<String> sentences = SubCaptionSplitter.sentences(longCaption);

        // then joining them gives the caption back
        assertThat(sentences).hasSizeGreaterThanOrEqualTo(4);
        assertThat(String.join(" ", sentences)).isEqualTo(longCaption);
        assertThat(sentences).allMatch(s -> s.endsWith("."));
    }

    @Test
    void chunksCoverTheCaptionWithinTheTokenBudget() {
        // given a splitter with a small budget
        SubCaptionSplitter splitter = new SubCaptionSplitter(WORDS, 16);

        // when the caption is chunked
        List<String> chunks = splitter.chunks(longCaption);

        // then every chunk fits, and together they are the caption, in order
        assertThat(chunks).hasSizeGreaterThan(1);
        assertThat(chunks).allMatch(c -> WORDS.count(c) <= 16);
        assertThat(String.join(" ", chunks)).isEqualTo(longCaption);
    }

    @Test
    void sampledSubCaptionsKeepSentenceOrderAndFit() {
        // given the CLIPS splitter and a seeded random source
        SubCaptionSplitter splitter = new SubCaptionSplitter(WORDS, SubCaptionSplitter.DEFAULT_MAX_TOKENS);
        List<String> sentences = SubCaptionSplitter.sentences(longCaption);
        SplittableRandom random = new SplittableRandom(1);

        for (int i = 0; i < 50; i++) {
            // when a sub-caption is sampled
            String sub = splitter.sample(longCaption, random);

            // then it fits and its sentences appear in the caption's order
            assertThat(WORDS.count(sub)).isBetween(1, SubCaptionSplitter.DEFAULT_MAX_TOKENS);
            int last = -1;
            for (String sentence : SubCaptionSplitter.sentences(sub)) {
                int at = sentences.indexOf(sentence);
                if (at < 0) {
                    // only the final sentence may be cut by truncation
                    assertThat(longCaption).contains(sentence);
                    continue;
                }
                assertThat(at).isGreaterThan(last);
                last = at;
            }
        }
    }

    @Test
    void truncationKeepsWholeWordsUpToTheBudget() {
        // given a small budget
        SubCaptionSplitter splitter = new SubCaptionSplitter(WORDS, 10);

        // when the caption is truncated
        String cut = splitter.truncate(longCaption);

        // then it is the caption's first ten words
        assertThat(WORDS.count(cut)).isEqualTo(10);
        assertThat(longCaption).startsWith(cut);
    }

    @Test
    void aFirstWordOverTheBudgetIsKeptWholeSoANonBlankCaptionAlwaysHasAChunk() {
        // given a counter for which a space-free caption is one token per character (as WordPiece
        // splits CJK text), and a caption of one such "word" over the budget
        TokenCounter characters = text -> text.strip().length();
        SubCaptionSplitter splitter = new SubCaptionSplitter(characters, SubCaptionSplitter.DEFAULT_MAX_TOKENS);
        String caption = "一只棕色的狗在公园的草地上追逐一个红色的球旁边有几个孩子在玩耍并且大声地笑着";

        // when it is chunked and sampled
        List<String> chunks = splitter.chunks(caption);

        // then it is one chunk, whole (the text head's tokenizer truncates it to its context)
        assertThat(chunks).containsExactly(caption);
        assertThat(splitter.sample(caption, new SplittableRandom(1))).isEqualTo(caption);
    }
}

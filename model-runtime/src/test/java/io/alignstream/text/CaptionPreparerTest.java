package io.alignstream.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import org.junit.jupiter.api.Test;

/** What happens to a caption between the event and the text tower, and which captions are refused. */
class CaptionPreparerTest {
    /** Word count stands in for WordPiece tokens: the rules under test do not depend on the tokenizer. */
    private static final TokenCounter WORDS = text -> text.isBlank() ? 0 : text.strip().split("\\s+").length;
    private static final SubCaptionSplitter SPLITTER = new SubCaptionSplitter(WORDS, SubCaptionSplitter.DEFAULT_MAX_TOKENS);
    private static final SyntheticWorld WORLD = new SyntheticWorld(5);

    @Test
    void aLongSyntheticCaptionBecomesOrderedSubCaptionsWithinTheTokenBudget() throws Exception {
        // given the long, multi-sentence caption of a synthetic scene
        String caption = WORLD.sample(Split.TRAIN, 3).longCaption().text();

        // when it is prepared
        CaptionPreparer.PreparedCaption prepared = new CaptionPreparer(SPLITTER).prepare(caption);

        // then its sub-captions cover it in order, each within CLIPS's 32-token budget
        assertThat(prepared.subCaptions()).isNotEmpty()
                .allSatisfy(chunk -> assertThat(WORDS.count(chunk)).isLessThanOrEqualTo(32));
        assertThat(String.join(" ", prepared.subCaptions())).isEqualTo(prepared.text());
    }

    @Test
    void aShortWebCaptionIsOneSubCaption() throws Exception {
        String caption = WORLD.sample(Split.TRAIN, 3).webCaptions().get(0).text();

        assertThat(new CaptionPreparer(SPLITTER).prepare(caption).subCaptions()).containsExactly(caption.strip());
    }

    @Test
    void controlCharactersAndRunsOfWhitespaceAreCleanedAway() throws Exception {
        String caption = "  a red\u0000 circle\r\n on\u200b  striped\tpaper ";

        assertThat(new CaptionPreparer(SPLITTER).prepare(caption).text()).isEqualTo("a red circle on striped paper");
    }

    @Test
    void missingBlankOrInvisibleCaptionsAreRefusedAsEmpty() {
        CaptionPreparer preparer = new CaptionPreparer(SPLITTER);

        for (String caption : new String[] {null, "", "   ", "\n\t\u200b\u0007"}) {
            assertThatThrownBy(() -> preparer.prepare(caption))
                    .isInstanceOf(CaptionRejectedException.class)
                    .satisfies(e -> assertThat(((CaptionRejectedException) e).reason())
                            .isEqualTo(CaptionRejectedException.Reason.EMPTY));
        }
    }

    @Test
    void aCaptionOverTheCharacterLimitIsRefusedBeforeTokenising() {
        // given a counter that fails if asked, and a caption one character over the limit
        TokenCounter mustNotBeCalled = text -> {
            throw new AssertionError("tokenised an over-long caption");
        };
        CaptionPreparer preparer = new CaptionPreparer(new SubCaptionSplitter(mustNotBeCalled, 32), 100, 8);

        assertThatThrownBy(() -> preparer.prepare("x".repeat(101)))
                .isInstanceOf(CaptionRejectedException.class)
                .hasMessageContaining("101 characters").hasMessageContaining("limit of 100")
                .satisfies(e -> assertThat(((CaptionRejectedException) e).reason())
                        .isEqualTo(CaptionRejectedException.Reason.TOO_LONG));
    }

    @Test
    void aCaptionWithMoreSubCaptionsThanAllowedIsRefused() {
        // given three scenes' long captions run together, and a limit of two sub-captions
        String caption = WORLD.sample(Split.TRAIN, 0).longCaption().text() + " "
                + WORLD.sample(Split.TRAIN, 1).longCaption().text() + " "
                + WORLD.sample(Split.TRAIN, 2).longCaption().text();
        CaptionPreparer preparer = new CaptionPreparer(SPLITTER, CaptionPreparer.DEFAULT_MAX_CHARACTERS, 2);

        assertThatThrownBy(() -> preparer.prepare(caption))
                .isInstanceOf(CaptionRejectedException.class)
                .hasMessageContaining("more than the limit of 2")
                .satisfies(e -> assertThat(((CaptionRejectedException) e).reason())
                        .isEqualTo(CaptionRejectedException.Reason.TOO_LONG));
    }
}

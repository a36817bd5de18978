package io.alignstream.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.world.Caption;
import io.alignstream.world.CaptionKind;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * "Long caption" has one definition in the service (more than one sub-caption); the label-free
 * trainer's report uses "more than 32 tokens". Both are checked here on the default bundle's own
 * world and tokenizer, and the one kind of caption where they part is shown.
 */
class CaptionLengthTest {
    /** Test scenes checked: 1,000 captions of every kind the world writes (4 web, 1 long, 5 single per scene). */
    private static final int SCENES = 100;

    private static ModelRuntime runtime;
    private static TextTower tokens;
    private static CaptionPreparer preparer;

    @BeforeAll
    static void loadTheDefaultBundlesTokenizer() {
        runtime = ModelRuntime.openDefault();
        tokens = runtime.newTextTower();
        preparer = new CaptionPreparer(new SubCaptionSplitter(tokens, SubCaptionSplitter.DEFAULT_MAX_TOKENS));
    }

    @AfterAll
    static void close() {
        tokens.close();
        runtime.close();
    }

    @Test
    void oneSubCaptionIsShortAndMoreAreLong() {
        assertThat(CaptionLength.of(1)).isEqualTo(CaptionLength.SHORT);
        assertThat(CaptionLength.of(2)).isEqualTo(CaptionLength.LONG);
        assertThat(CaptionLength.of(CaptionPreparer.DEFAULT_MAX_SUB_CAPTIONS)).isEqualTo(CaptionLength.LONG);
        assertThat(CaptionLength.ofKnown(0)).as("a count recorded before it was kept").isEmpty();
        assertThat(CaptionLength.ofKnown(3)).contains(CaptionLength.LONG);
        assertThatThrownBy(() -> CaptionLength.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CaptionLength.SHORT.key()).isEqualTo("short");
        assertThat(CaptionLength.LONG.key()).isEqualTo("long");
    }

    @Test
    void theServicesRuleAndTheTrainersAgreeOnEveryCaptionOfTheWorld() throws Exception {
        // given every caption of 100 test scenes of the world the default bundle was trained on
        SyntheticWorld world = new SyntheticWorld(runtime.bundle().manifest().worldSeed());
        List<Caption> captions = new ArrayList<>();
        for (int i = 0; i < SCENES; i++) {
            WorldSample sample = world.sample(Split.TEST, i);
            captions.addAll(sample.webCaptions());
            captions.add(sample.longCaption());
            captions.addAll(sample.singleCaptions());
        }

        List<String> disagreements = new ArrayList<>();
        List<String> shortWebOrSingle = new ArrayList<>();
        List<String> longWebOrSingle = new ArrayList<>();
        List<String> longDescriptions = new ArrayList<>();
        List<String> shortDescriptions = new ArrayList<>();
        for (Caption caption : captions) {
            // when each is prepared as the service prepares it
            CaptionPreparer.PreparedCaption prepared = preparer.prepare(caption.text());
            boolean trainerLong = tokens.count(prepared.text()) > SubCaptionSplitter.DEFAULT_MAX_TOKENS;
            if ((prepared.length() == CaptionLength.LONG) != trainerLong) {
                disagreements.add(caption.text());
            }
            boolean description = caption.kind() == CaptionKind.LONG;
            boolean isLong = prepared.length() == CaptionLength.LONG;
            (description ? (isLong ? longDescriptions : shortDescriptions) : (isLong ? longWebOrSingle : shortWebOrSingle))
                    .add(caption.text());
        }
        System.out.printf("caption lengths over %d test scenes: web and single-attribute %d short, %d long; "
                + "long descriptions %d long, %d short (at most 32 tokens: %s)%n", SCENES, shortWebOrSingle.size(),
                longWebOrSingle.size(), longDescriptions.size(), shortDescriptions.size(), shortDescriptions);

        // then "more than one sub-caption" and "more than 32 tokens" name the same captions long
        assertThat(captions).hasSize(SCENES * 10);
        assertThat(disagreements).as("captions the two rules call differently").isEmpty();
        // and every web and single-attribute caption is short, and the world's long descriptions are
        // long but for the few that fit 32 tokens (four short sentences), which both rules call short
        assertThat(longWebOrSingle).isEmpty();
        assertThat(longDescriptions).hasSizeGreaterThan(shortDescriptions.size());
        assertThat(shortDescriptions).allSatisfy(text ->
                assertThat(tokens.count(text)).isLessThanOrEqualTo(SubCaptionSplitter.DEFAULT_MAX_TOKENS));
    }

    @Test
    void aSingleSentenceOverTheBudgetIsShortHereAndLongToTheTrainer() throws Exception {
        // given one sentence, no full stop inside, of more than 32 tokens: the only caption the rules part on
        String sentence = "a small red circle and a large blue square and a tiny green triangle and a pink star and "
                + "an orange moon and a white heart on a striped background near the top left corner of the frame";
        assertThat(tokens.count(sentence)).isGreaterThan(SubCaptionSplitter.DEFAULT_MAX_TOKENS);

        // when the service prepares it
        CaptionPreparer.PreparedCaption prepared = preparer.prepare(sentence);

        // then it is cut to one sub-caption of at most 32 tokens, embedded (and counted) as a short
        // caption, while the trainer's report would count it long
        assertThat(prepared.subCaptions()).singleElement()
                .satisfies(chunk -> assertThat(tokens.count(chunk)).isLessThanOrEqualTo(SubCaptionSplitter.DEFAULT_MAX_TOKENS));
        assertThat(prepared.length()).isEqualTo(CaptionLength.SHORT);
    }
}
